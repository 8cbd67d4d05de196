/**
 * What bench/lifecycle.ts measures, and the Markdown page of a run (bench/results/lifecycle-<date>.md, or a lever's
 * bench/results/levers/<label>.md).
 */
import type { Machine, requestsPer } from './harness';

/** The two kinds of enrollment the benchmark drives: funded by a WIOA voucher, or paid at a Stripe checkout. */
export type Kind = 'wioa_ita' | 'self_pay';

export interface MeasuredRun extends RunResult {
  cpuMsPerEnrollment: Record<string, number>;
  serverRequestsPerEnrollment: ReturnType<typeof requestsPer>;
  /** Committed transactions in the system's database (each statement outside BEGIN…COMMIT is one). */
  pgTransactionsPerEnrollment: number;
  launchRequestsPerEnrollment?: number;
}

export interface RunResult {
  completed: number;
  failed: number;
  errors: string[];
  wallMs: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
  maxMs: number;
}

/** A run's result as the JSON holds it: the fields the page shows. */
export interface LifecycleReport {
  date: string;
  machine: Machine;
  settings: {
    enrollments: number;
    concurrency: number;
    selfPayShare: number;
    pollMs: number;
    rounds: number;
    levers: Record<string, string[]>;
  };
  platform: MeasuredRun;
  skeleton: MeasuredRun;
  ratio: number;
  latencyRatio: { p50: number; p99: number };
  rounds: { platformPerSecond: number; skeletonPerSecond: number; ratio: number }[];
  history: Record<
    Kind,
    {
      events: number;
      bytes: number;
      activities: number;
      localActivities: number;
      signals: number;
      updates: number;
      timers: number;
      workflowTasks: number;
    }
  >;
}

export function lifecycleMarkdown(r: LifecycleReport): string {
  const row = (name: string, x: RunResult) =>
    `| ${name} | ${x.completed} | ${x.failed} | ${x.perSecond} | ${x.p50Ms} | ${x.p99Ms} | ${x.maxMs} |`;
  const h = (name: string, x: (typeof r.history)[Kind]) =>
    `| ${name} | ${x.events} | ${x.bytes} | ${x.activities} | ${x.localActivities} | ${x.signals} | ${x.updates} | ${x.timers} | ${x.workflowTasks} |`;
  const cpu = (x: MeasuredRun) =>
    Object.entries(x.cpuMsPerEnrollment)
      .map(([p, ms]) => `${p} ${ms}`)
      .join(', ');
  const byOperation = (counts: { total: number; byOperation: Record<string, number> }) =>
    `${counts.total} (${Object.entries(counts.byOperation)
      .map(([op, n]) => `${op} ${n}`)
      .join(', ')})`;
  const requests = (x: MeasuredRun) =>
    `${byOperation(x.serverRequestsPerEnrollment.frontend)}; persistence ${byOperation(x.serverRequestsPerEnrollment.persistence)}`;
  return [
    `# Lifecycle benchmark, ${r.date.slice(0, 10)}`,
    '',
    `${r.settings.enrollments} enrollments, ${r.settings.concurrency} in flight, ${Math.round(r.settings.selfPayShare * 100)}% self-paid (Stripe webhook), the rest WIOA vouchers; ` +
      `time from the create request to \`closed\` (database polled every ${r.settings.pollMs} ms). ${r.machine.cpus} CPUs (${r.machine.cpuModel}), ${r.machine.memoryGb} GB, Node ${r.machine.node}.`,
    '',
    `Levers: ${
      Object.entries(r.settings.levers)
        .filter(([, v]) => v.length)
        .map(([k, v]) => `${k} \`${v.join(' ')}\``)
        .join('; ') || 'none (the defaults)'
    }.`,
    '',
    `${r.settings.rounds} rounds, each the platform then the skeleton; the round with the median ratio:`,
    '',
    '| run | closed | failed | enrollments/s | p50 ms | p99 ms | max ms |',
    '|---|---:|---:|---:|---:|---:|---:|',
    row('platform (HTTP, worker, API, Postgres)', r.platform),
    row('bare Temporal skeleton (same activities, local activities, signals, updates)', r.skeleton),
    '',
    `Platform / skeleton: throughput ×${r.ratio} (median of ${r.rounds.map((x) => x.ratio).join(', ')}), p50 ×${r.latencyRatio.p50}, p99 ×${r.latencyRatio.p99}.`,
    '',
    '| round | platform /s | skeleton /s | ratio |',
    '|---:|---:|---:|---:|',
    ...r.rounds.map((x, i) => `| ${i + 1} | ${x.platformPerSecond} | ${x.skeletonPerSecond} | ${x.ratio} |`),
    '',
    '## Cost per enrollment (the median round)',
    '',
    `- CPU ms, platform: ${cpu(r.platform)}; skeleton: ${cpu(r.skeleton)}.`,
    `- Temporal frontend requests, platform: ${requests(r.platform)}.`,
    `- Temporal frontend requests, skeleton: ${requests(r.skeleton)}.`,
    `- PostgreSQL transactions, platform: ${r.platform.pgTransactionsPerEnrollment}; skeleton: ${r.skeleton.pgTransactionsPerEnrollment}.`,
    `- Launch requests the driver sent per enrollment (409 until paid): ${r.platform.launchRequestsPerEnrollment ?? '?'}.`,
    '',
    '## History of one happy-path enrollment',
    '',
    '| funding | events | bytes | activities | local activities | signals | updates | timers | workflow tasks |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    h('WIOA voucher', r.history.wioa_ita),
    h('self-paid (Stripe)', r.history.self_pay),
    '',
  ].join('\n');
}
