/**
 * The bare-Temporal skeleton the lifecycle benchmark compares the platform with: the same number of activities, local
 * activities, signals and updates as one enrollment, every one doing nothing. Bundled by bench/lifecycle.ts.
 */
import { condition, defineSignal, defineUpdate, proxyActivities, proxyLocalActivities, setHandler } from '@temporalio/workflow';

export interface SkeletonInput {
  activities: number;
  localActivities: number;
  /** Messages in the order the client sends them: 's' a signal, 'u' an update. */
  messages: string;
}

export const stepSignal = defineSignal<[number]>('step');
export const stepUpdate = defineUpdate<number, [number]>('step');

const { noop } = proxyActivities<{ noop(): Promise<void> }>({ startToCloseTimeout: '10s' });
const local = proxyLocalActivities<{ noop(): Promise<void> }>({ startToCloseTimeout: '10s' });

/** How many of `total` fall in slot `slot` of `slots`, spread evenly. */
const share = (total: number, slot: number, slots: number) => Math.floor((total * (slot + 1)) / slots) - Math.floor((total * slot) / slots);

export async function skeletonWorkflow(input: SkeletonInput): Promise<number> {
  let received = 0;
  setHandler(stepSignal, () => void (received += 1));
  setHandler(stepUpdate, (n) => {
    received += 1;
    return n;
  });
  // The activities spread over the slots before the first message and after each message.
  const messages = input.messages.length;
  const slots = messages + 1;
  for (let slot = 0; slot < slots; slot++) {
    for (let i = share(input.localActivities, slot, slots); i > 0; i--) await local.noop();
    for (let i = share(input.activities, slot, slots); i > 0; i--) await noop();
    if (slot < messages) await condition(() => received > slot);
  }
  return received;
}
