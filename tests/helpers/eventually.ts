export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until it answers something truthy, and answers that; fails naming `what` after `timeoutMs`. */
export async function eventually<T>(probe: () => Promise<T | undefined | false>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(150);
  }
}

/** A promise the test opens when it wants: holds an activity (and so the workflow) where the test needs it. */
export function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

/** Runs `work(0)` … `work(count - 1)`, `atOnce` at a time; answers the message of each that failed. */
export async function inFlight(count: number, atOnce: number, work: (i: number) => Promise<unknown>): Promise<string[]> {
  let next = 0;
  const errors: string[] = [];
  await Promise.all(
    Array.from({ length: atOnce }, async () => {
      while (next < count) {
        const i = next++;
        await work(i).catch((err: Error) => errors.push(err.message));
      }
    }),
  );
  return errors;
}
