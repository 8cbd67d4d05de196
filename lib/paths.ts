import fs from 'node:fs';
import path from 'node:path';

/** The project's root folder, whether the code runs from source or compiled into dist/. */
export const PROJECT_ROOT = (() => {
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'db', 'migrations'))) return dir;
  }
  throw new Error(`cannot find the project root above ${__dirname}`);
})();
