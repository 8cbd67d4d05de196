import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { PROJECT_ROOT } from '../../lib/paths';
import { freePorts } from './ports';

/** Starts the OpenID provider of `oidc-provider-server.ts` (built into dist/ by `npm test`) for one client. */
export async function startOidcProvider(client: { clientId: string; clientSecret: string; redirectUri: string }) {
  const [port] = await freePorts(1);
  const child: ChildProcess = spawn(process.execPath, [path.join(PROJECT_ROOT, 'dist', 'tests', 'helpers', 'oidc-provider-server.js')], {
    env: { ...process.env, NODE_ENV: 'test', OIDC_TEST_SETTINGS: JSON.stringify({ port, ...client }) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the OpenID provider did not start: ${output}`)), 15_000);
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('listening on')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', read);
    child.stderr!.on('data', read);
    child.on('exit', (code) => reject(new Error(`the OpenID provider exited (${code}): ${output}`)));
  });
  return {
    issuer: `http://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    },
  };
}
