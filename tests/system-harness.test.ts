/**
 * The end-to-end harness itself: a system that does not come up says why at once and leaves nothing running (no
 * Temporal dev server, worker or API outliving the failed test file).
 */
import { execFileSync } from 'node:child_process';
import { startSystem } from './helpers/system';

/** The command lines of this test process's children that belong to a system (dev server, worker, API). */
const systemChildren = () =>
  execFileSync('ps', ['-o', 'args=', '--ppid', String(process.pid)], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => /temporal server start-dev|dist\/worker\/main\.js|dist\/api\/server\.js/.test(line));

test('an API that refuses to start fails startSystem with the reason, and the whole system is taken down', async () => {
  // Production without its settings: the API and the worker refuse to start.
  await expect(startSystem({ env: { NODE_ENV: 'production' } })).rejects.toThrow(/the API exited at start/);
  expect(systemChildren()).toEqual([]);
}, 120_000);
