/**
 * A pooled connection whose backend the server ends (`pg_terminate_backend`, as an operator, a failover or a fast
 * restart does) at any moment: idle in the pool, checked out with no query running, idle in a transaction, in the
 * middle of a query. The process goes on: what used the connection fails with the error (its caller retries), the
 * error is logged, the pool closes the broken connection, and the next query gets a new one.
 * (The whole system under the same faults: tests/e2e.database-connection-loss.test.ts.)
 */
import { Client, type PoolClient } from 'pg';
import { createPool, inTransaction, type Db } from '../db/pool';
import { SERVER_URL } from './helpers/db';
import { eventually, sleep } from './helpers/eventually';

let admin: Client;
let db: Db;
/** What reached the process as an uncaught exception: before the fix, the client's unheard 'error' event. */
const uncaught: Error[] = [];
const probe = (err: Error) => void uncaught.push(err);
let logged: string[] = [];

beforeAll(async () => {
  admin = new Client({ connectionString: `${SERVER_URL}/postgres` });
  await admin.connect();
  db = createPool(`${SERVER_URL}/postgres`, 2, 2_000, `connection-loss-test ${process.pid}`);
  process.on('uncaughtException', probe);
});

afterAll(async () => {
  process.off('uncaughtException', probe);
  // Bounded: a client whose 'error' went unheard (before the fix) is never released, and would hold the pool's end.
  await Promise.race([db?.end(), sleep(5_000)]);
  await admin?.end();
});

beforeEach(() => {
  logged = [];
  jest.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void logged.push(args.map(String).join(' ')));
});
afterEach(() => jest.restoreAllMocks());

const backendPid = async (q: { query: Db['query'] }) => (await q.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
/** Ends the backend from a superuser's connection, as an operator or a server shutting down does. */
const terminate = async (pid: number) => {
  const { rows } = await admin.query<{ done: boolean }>('SELECT pg_terminate_backend($1) AS done', [pid]);
  expect(rows[0].done).toBe(true);
};
/**
 * Resolves once the client has heard its connection close (the server's FATAL message, then the socket's end); at
 * most after a few seconds, for a process whose unheard 'error' event cut that short (before the fix).
 */
const ended = (client: PoolClient) => Promise.race([new Promise<void>((resolve) => client.once('end', () => resolve())), sleep(5_000)]);

/** The process is still here and the pool works: a query on a new connection, the dead one never lent out again. */
async function expectPoolRecovered(deadPid: number) {
  expect(uncaught).toEqual([]);
  const pids = [await backendPid(db), await backendPid(db), await backendPid(db)];
  expect(pids).not.toContain(deadPid);
  // The server's reason when no query was running, else the closed socket (the query itself got the reason).
  expect(logged.join('\n')).toMatch(/\[db\] .*(terminating connection due to administrator command|Connection terminated unexpectedly)/);
}

test('a client held with no query running (as an export or a digest holds one) is ended: released, replaced', async () => {
  const client = await db.connect();
  const pid = await backendPid(client);
  const gone = ended(client);
  await terminate(pid);
  await gone;
  await expect(client.query('SELECT 1')).rejects.toThrow();
  client.release();
  await expectPoolRecovered(pid);
});

test('ended while idle in a transaction (between two statements): the transaction fails, the connection is not reused', async () => {
  let pid = 0;
  const transaction = inTransaction(db, async (client) => {
    pid = await backendPid(client);
    await client.query('CREATE TEMP TABLE t (n int)');
    const gone = ended(client);
    await terminate(pid);
    await gone;
    await client.query('INSERT INTO t VALUES (1)');
  });
  await expect(transaction).rejects.toThrow();
  await expectPoolRecovered(pid);
});

test('ended in the middle of a query in a transaction: the query fails with the server’s reason', async () => {
  let pid = 0;
  const transaction = inTransaction(db, async (client) => {
    pid = await backendPid(client);
    await client.query('SELECT pg_sleep(30)');
  });
  await eventually(
    async () =>
      pid > 0 &&
      (await admin.query(`SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND state = 'active' AND query LIKE '%pg_sleep%'`, [pid])).rowCount,
    'the query running',
  );
  await terminate(pid);
  await expect(transaction).rejects.toThrow(/terminating connection due to administrator command/);
  await expectPoolRecovered(pid);
});

// Handled before the fix too (the pool's own 'error' listener): kept so the fix cannot lose it.
test('an idle connection in the pool is ended: the pool drops it and the next query connects anew', async () => {
  const pid = await backendPid(db);
  const before = db.totalCount;
  await terminate(pid);
  await eventually(async () => Promise.resolve(db.totalCount < before), 'the pool dropping the dead connection');
  await expectPoolRecovered(pid);
});
