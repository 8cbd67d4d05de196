/**
 * The table of the lifecycle levers: reads every bench/results/levers/<label>.json (one `BENCH_LABEL=<label>` run of
 * bench/lifecycle.ts each, see bench/levers.sh) and writes bench/results/levers/README.md, one row per lever in the
 * order the runs were made, the medians over each run's rounds.
 *
 *   node dist/bench/levers.js
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { RESULTS_DIR } from './harness';

const DIR = path.join(RESULTS_DIR, 'levers');

const Run = z.object({
  perSecond: z.number(),
  p50Ms: z.number(),
  cpuMsPerEnrollment: z.record(z.string(), z.number()),
  serverRequestsPerEnrollment: z.object({ frontend: z.object({ total: z.number() }), persistence: z.object({ total: z.number() }) }),
  pgTransactionsPerEnrollment: z.number(),
});
const LeverRun = z.object({
  label: z.string(),
  date: z.string(),
  machine: z.object({ node: z.string() }),
  settings: z.object({
    enrollments: z.number(),
    rounds: z.number(),
    workers: z.number().optional(),
    levers: z.record(z.string(), z.array(z.string())),
  }),
  platform: Run,
  skeleton: Run,
  ratio: z.number(),
  rounds: z.array(z.object({ platformPerSecond: z.number(), skeletonPerSecond: z.number(), ratio: z.number() })),
});

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const r2 = (x: number) => Math.round(x * 100) / 100;

function main(): void {
  const runs = readdirSync(DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => LeverRun.parse(JSON.parse(readFileSync(path.join(DIR, f), 'utf8'))))
    .sort((a, b) => a.date.localeCompare(b.date));
  const cpu = (x: z.infer<typeof Run>) =>
    Object.entries(x.cpuMsPerEnrollment)
      .map(([p, ms]) => `${p} ${Math.round(ms)}`)
      .join(', ');
  const rows = runs.map((r) => {
    const workers = (r.settings.workers ?? 1) > 1 ? [`${r.settings.workers} worker processes`] : [];
    const levers = [...workers, ...Object.values(r.settings.levers).flat()].join(' ') || '(defaults)';
    return [
      `\`${r.label}\``,
      `Node ${r.machine.node.replace(/^v/, '')}`,
      levers.replace(/\|/g, '\\|'),
      r2(median(r.rounds.map((x) => x.platformPerSecond))),
      r2(median(r.rounds.map((x) => x.skeletonPerSecond))),
      `**${r.ratio}** (${r.rounds.map((x) => x.ratio).join(', ')})`,
      r.platform.p50Ms,
      cpu(r.platform),
      cpu(r.skeleton),
      `${r.platform.serverRequestsPerEnrollment.frontend.total} / ${r.platform.serverRequestsPerEnrollment.persistence.total}`,
      `${r.skeleton.serverRequestsPerEnrollment.frontend.total} / ${r.skeleton.serverRequestsPerEnrollment.persistence.total}`,
      r.platform.pgTransactionsPerEnrollment,
    ];
  });
  const md = [
    '# Lifecycle levers',
    '',
    `Each row one run of \`bench/lifecycle.ts\` (${runs[0]?.settings.enrollments ?? '?'} enrollments, 20 in flight, ` +
      `${runs[0]?.settings.rounds ?? '?'} rounds of the platform then the skeleton on the same dev server); enrollments/s are the medians ` +
      "over the rounds, the ratio the median of the rounds' ratios (each round in brackets); CPU ms per enrollment and the " +
      'Temporal requests (frontend / persistence) per enrollment are those of the median round. Rerun: `bash bench/levers.sh`.',
    '',
    '| lever | Node | settings | platform /s | skeleton /s | ratio | platform p50 ms | platform CPU ms | skeleton CPU ms | platform requests | skeleton requests | PG transactions |',
    '|---|---|---|---:|---:|---|---:|---|---|---:|---:|---:|',
    ...rows.map((cells) => `| ${cells.join(' | ')} |`),
    '',
  ].join('\n');
  writeFileSync(path.join(DIR, 'README.md'), md);
  console.log(md);
}

main();
