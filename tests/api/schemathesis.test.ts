import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { DEMO_HOLDER_ID } from '../../db/seed';
import { PROJECT_ROOT } from '../../lib/paths';
import { type ApiApp, startApiApp } from '../helpers/api-app';

let app: ApiApp;
beforeAll(async () => {
  app = await startApiApp({ STRIPE_WEBHOOK_SECRET: 'whsec_schemathesis' });
});
afterAll(() => app?.close());

test('schemathesis', async () => {
  const admin = await app.token('admin');
  const holder = await app.token('program_holder', { id: DEMO_HOLDER_ID });
  const key = await app.request<{ apiKey: string }>('POST', '/api/partners/demo/api-keys', { token: admin.token, json: {} });
  const env = { ...process.env, ST_ADMIN_TOKEN: admin.token, ST_HOLDER_TOKEN: holder.token, ST_PARTNER_ID: 'demo', ST_PARTNER_KEY: key.body.apiKey };
  const out = path.join(PROJECT_ROOT, '.data/st');
  const args = ['--config-file', 'tests/schemathesis.toml', 'run', `${app.baseUrl}/openapi.json`, '--checks', 'all', '-n', process.env.ST_N ?? '10', '--seed', '1', '--workers', '2', '--no-color', '--report', 'ndjson,junit', '--report-dir', out, ...(process.env.ST_ARGS?.split(' ').filter(Boolean) ?? [])];
  const result = await new Promise<{ code: number; stdout: string }>((resolve) => {
    execFile(path.join(PROJECT_ROOT, '.venv-schemathesis/bin/schemathesis'), args, { env, cwd: PROJECT_ROOT, maxBuffer: 256 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code) : 0, stdout: stdout + stderr });
    });
  });
  fs.writeFileSync(path.join(out, 'output.txt'), result.stdout);
  expect(result.code).toBe(0);
}, 1_200_000);
