/**
 * schemathesis over every operation of /openapi.json, with all its checks (issue 21, finding 6): the API in process
 * (real PostgreSQL, the fake enrollment client), an admin, the demo programs' holder, the demo student and a partner
 * key (X-Api-Key, and HTTP Basic for xAPI). The exceptions, each one operation's and with why, are in
 * tests/schemathesis.toml. Pinned in requirements-test.txt, installed by `scripts/setup.sh --test` into .venv-schemathesis.
 * Alone: `npx jest tests/api/schemathesis.test.ts` (its summary is printed; the reports are in .data/schemathesis/).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { DEMO_HOLDER_ID, DEMO_STUDENT_ID } from '../../db/seed';
import { PROJECT_ROOT } from '../../lib/paths';
import { type ApiApp, startApiApp } from '../helpers/api-app';
import type { ApiKey } from '../helpers/contract';

const SCHEMATHESIS = path.join(PROJECT_ROOT, '.venv-schemathesis/bin/schemathesis');
const REPORTS = path.join(PROJECT_ROOT, '.data/schemathesis');
/** Test cases per operation in the fuzzing phase; the coverage phase's deterministic cases come on top. */
const MAX_EXAMPLES = 10;

let app: ApiApp;
beforeAll(async () => {
  app = await startApiApp({
    STRIPE_WEBHOOK_SECRET: 'whsec_schemathesis',
    // Thousands of requests from one address: no limit of any kind should answer them (429 is documented regardless).
    RATE_LIMIT_CLIENT: '100000000',
    RATE_LIMIT_PARTNER: '100000000',
    // The ignored-auth check sends wrong credentials on purpose, from one address.
    RATE_LIMIT_AUTH_FAILURES: '100000000',
  });
});
afterAll(() => app?.close());

/** Runs the CLI without blocking this process's event loop, which serves the API it tests. */
function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(SCHEMATHESIS, args, { env, cwd: PROJECT_ROOT, maxBuffer: 256 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, output: stdout + stderr });
    });
  });
}

test('schemathesis, all checks over every operation of /openapi.json: 0 failures', async () => {
  const admin = await app.token('admin');
  const holder = await app.token('program_holder', { id: DEMO_HOLDER_ID });
  const student = await app.token('student', { id: DEMO_STUDENT_ID });
  const key = await app.request<ApiKey>('POST', '/api/partners/demo/api-keys', { token: admin.token, json: {} });
  expect(key.status).toBe(201);
  fs.rmSync(REPORTS, { recursive: true, force: true });

  const { code, output } = await run(
    [
      ...['--config-file', 'tests/schemathesis.toml', 'run', `${app.baseUrl}/openapi.json`],
      // One worker: hypothesis describing its strategies from two threads at once trips CPython 3.11's AST recursion check.
      ...['--checks', 'all', '--max-examples', String(MAX_EXAMPLES), '--seed', '21', '--workers', '1'],
      ...['--no-color', '--report', 'junit,ndjson', '--report-dir', REPORTS],
    ],
    {
      ...process.env,
      ST_ADMIN_TOKEN: admin.token,
      ST_HOLDER_TOKEN: holder.token,
      ST_STUDENT_TOKEN: student.token,
      ST_PARTNER_ID: 'demo',
      ST_PARTNER_KEY: key.body.apiKey,
    },
  );
  fs.writeFileSync(path.join(REPORTS, 'output.txt'), output);
  const summary = output.slice(output.lastIndexOf('= SUMMARY ='));
  console.log(`schemathesis (the whole output: .data/schemathesis/output.txt)\n${summary}`);

  expect(output).toMatch(/Tested: \d+/);
  // Failures or errors: the summary (above) names each by check, and output.txt has a curl line per failure.
  expect({ exitCode: code, failures: /Failures:[\s\S]*?\n\n/.exec(summary)?.[0] ?? 'none' }).toEqual({ exitCode: 0, failures: 'none' });
}, 900_000);
