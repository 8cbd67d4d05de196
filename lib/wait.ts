import { Connection } from '@temporalio/client';

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until `probe` resolves truthy, or fails with `what` after `timeoutMs`. */
export async function waitFor(what: string, probe: () => Promise<unknown>, timeoutMs: number, stillWaiting = () => true): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (stillWaiting()) {
    try {
      if (await probe()) return;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`${what} did not happen in ${timeoutMs} ms${last ? `: ${(last as Error).message}` : ''}`);
    await pause(200);
  }
}

export const waitForTemporal = (address: string, timeoutMs: number, stillWaiting?: () => boolean) =>
  waitFor(
    `Temporal answering at ${address}`,
    async () => {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await connection.healthService.check({});
        return true;
      } finally {
        await connection.close();
      }
    },
    timeoutMs,
    stillWaiting,
  );

// The process's own servers on this machine (npm start, tests), never a URL someone supplied.
export const waitForHttp = (url: string, timeoutMs: number, stillWaiting?: () => boolean) =>
  // eslint-disable-next-line no-restricted-globals
  waitFor(`${url} answering 200`, () => fetch(url).then((r) => r.ok), timeoutMs, stillWaiting);
