// `npm start`'s first step after installing: validates the configuration from the TypeScript source (compiled on the
// fly by swc) before the build, so a wrong or missing variable is named in a second rather than after the build.
// Plain Node on purpose: it runs before dist/ exists.
const fs = require('node:fs');
const { transformSync } = require('@swc/core');

require.extensions['.ts'] = (module, filename) => {
  const { code } = transformSync(fs.readFileSync(filename, 'utf8'), {
    filename,
    jsc: { target: 'es2022', parser: { syntax: 'typescript' } },
    module: { type: 'commonjs' },
  });
  module._compile(code, filename);
};

const { ConfigError, loadConfig } = require('../lib/config.ts');
try {
  loadConfig({ ...process.env, NODE_ENV: 'development' });
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  console.error(`[start] ${err.message}`);
  process.exit(1);
}
