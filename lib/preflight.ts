import net from 'node:net';
import { Client } from 'pg';

/** Something the system cannot start without, said in plain words (what, where, and what to do about it). */
export class PreflightError extends Error {}

/** Fails when something already listens on `port` (EADDRINUSE), naming the port, what wanted it and the setting. */
export async function assertPortFree(port: number, what: string, setting: string): Promise<void> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE'
          ? new PreflightError(`port ${port} (${what}) is already in use by another program: stop it, or set ${setting} to a free port`)
          : err,
      ),
    );
    server.listen(port, () => server.close(() => resolve()));
  });
}

/** Fails when PostgreSQL at `databaseUrl` does not answer, naming the host and port (never the password). */
export async function assertDatabaseReachable(databaseUrl: string, timeoutMs = 5_000): Promise<void> {
  const url = new URL(databaseUrl);
  const where = `${url.hostname}:${url.port || 5432}`;
  // The server's maintenance database: the application's own may not exist yet (npm start creates it).
  url.pathname = '/postgres';
  const client = new Client({ connectionString: url.toString(), connectionTimeoutMillis: timeoutMs });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new PreflightError(
      `PostgreSQL at ${where} (DATABASE_URL) cannot be reached (${reason}): start it, or set DATABASE_URL to a server that runs`,
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A listening server's EADDRINUSE in plain words (for a process that listens itself, such as the API). */
export function explainListenError(err: NodeJS.ErrnoException, port: number, what: string, setting: string): string {
  return err.code === 'EADDRINUSE'
    ? `port ${port} (${what}) is already in use by another program: stop it, or set ${setting} to a free port`
    : `${what} cannot listen on port ${port}: ${err.message}`;
}
