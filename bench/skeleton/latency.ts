/**
 * A trivial workflow for bench/api-latency.ts: it waits forever and answers a start update, a signal, an update and
 * a query, each doing nothing, so the bare Temporal client calls the API wraps can be timed on their own.
 */
import { condition, defineQuery, defineSignal, defineUpdate, setHandler } from '@temporalio/workflow';

export const openUpdate = defineUpdate<string>('open');
export const pingSignal = defineSignal<[number]>('ping');
export const pingUpdate = defineUpdate<number, [number]>('pingUpdate');
export const stateQuery = defineQuery<number>('state');
export const finishSignal = defineSignal('finish');

export async function latencyWorkflow(): Promise<number> {
  let received = 0;
  let finished = false;
  setHandler(openUpdate, () => 'open');
  setHandler(pingSignal, () => void (received += 1));
  setHandler(pingUpdate, (n) => {
    received += 1;
    return n;
  });
  setHandler(stateQuery, () => received);
  setHandler(finishSignal, () => void (finished = true));
  await condition(() => finished);
  return received;
}
