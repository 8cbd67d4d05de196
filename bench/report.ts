/**
 * Summary of the latest benchmark run: reads every bench/results/<benchmark>-<date>.json of the latest date and writes
 * bench/results/<date>.json (all of them in one file) and the same as bench/results/latest.json (each benchmark a top-level key:
 * `lifecycle.ratio` is the platform / skeleton throughput), bench/results/summary-<date>.md (one Markdown table per
 * benchmark) and bench/results/summary-<date>.svg (a hand-written bar chart, no dependencies). Benchmarks it does not know (or whose results are missing) are shown
 * generically or skipped.
 *
 *   node dist/bench/report.js        (last step of `npm run bench`)
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { RESULTS_DIR } from './harness';

// ---------- Result files ----------

/** What JSON.parse can return; a result file is one JSON object (copied as is into <date>.json, shown generically). */
type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
interface JsonObject {
  [key: string]: JsonValue | undefined;
}
type Leaf = [string, number | string | boolean];

const isJsonObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A measured figure: NaN (no samples) is written to JSON as null. */
const Measure = z.number().nullable();
const Machine = z.object({ cpus: z.number(), cpuModel: z.string(), memoryGb: z.number(), node: z.string() });
const LifecycleRun = z.object({
  completed: Measure.optional(),
  failed: Measure.optional(),
  perSecond: Measure.optional(),
  p50Ms: Measure.optional(),
  p99Ms: Measure.optional(),
  maxMs: Measure.optional(),
});
const Lifecycle = z.object({
  settings: z.object({ enrollments: z.number().optional(), concurrency: z.number().optional() }).nullish(),
  platform: LifecycleRun.nullish(),
  skeleton: LifecycleRun.nullish(),
  /** Platform / skeleton throughput, the median over the bench's rounds. */
  ratio: Measure.nullish(),
  latencyRatio: z.object({ p50: Measure, p99: Measure }).nullish(),
  rounds: z.array(z.object({ platformPerSecond: Measure, skeletonPerSecond: Measure, ratio: Measure })).nullish(),
  history: z
    .record(
      z.string(),
      z.object({
        events: z.number(),
        bytes: z.number(),
        activities: z.number().optional(),
        localActivities: z.number().optional(),
        signals: z.number().optional(),
        updates: z.number().optional(),
        timers: z.number().optional(),
      }),
    )
    .nullish(),
});
const WioaExport = z.object({
  generatedEnrollments: z.number().optional(),
  exportedRows: Measure.optional(),
  seconds: Measure.optional(),
  rowsPerSecond: Measure,
  peakRssMiB: Measure,
  peakHeapUsedMiB: Measure,
});
const RevenueExportRun = z.object({
  format: z.string(),
  entries: Measure.optional(),
  seconds: Measure.optional(),
  entriesPerSecond: Measure,
  ttfbMs: Measure.optional(),
  peakRssMiB: Measure,
  peakHeapUsedMiB: Measure,
});
const RevenueExport = z.object({
  generatedEnrollments: z.number().optional(),
  runs: z.object({ json: RevenueExportRun.nullish(), csv: RevenueExportRun.nullish() }).nullish(),
});
const LatencyFigures = z.object({ achievedRate: Measure.optional(), p50Ms: Measure, p99Ms: Measure });
const ApiLatency = z.object({
  runs: z.array(
    z.object({
      ratePerSecond: z.number(),
      rows: z
        .array(z.object({ endpoint: z.string(), call: z.string().optional(), platform: LatencyFigures, bare: LatencyFigures }))
        .nullish(),
    }),
  ),
});
type Machine = z.infer<typeof Machine>;
type Lifecycle = z.infer<typeof Lifecycle>;
type WioaExport = z.infer<typeof WioaExport>;
type RevenueExport = z.infer<typeof RevenueExport>;
type ApiLatency = z.infer<typeof ApiLatency>;

const FILE = /^([a-z0-9-]+?)-(\d{4}-\d{2}-\d{2})\.json$/;

/** The result files of the latest date, by benchmark name (sorted), each one JSON object as written. */
function latestResults(): { date: string; results: Map<string, JsonObject> } {
  const files = readdirSync(RESULTS_DIR)
    .map((f) => FILE.exec(f))
    .filter((m): m is RegExpExecArray => !!m && m[1] !== 'summary');
  if (files.length === 0) throw new Error(`no results in ${RESULTS_DIR}`);
  const date = files
    .map((m) => m[2])
    .sort()
    .at(-1)!;
  const results = new Map<string, JsonObject>();
  for (const m of files.filter((f) => f[2] === date).sort((a, b) => a[1].localeCompare(b[1]))) {
    const file = path.join(RESULTS_DIR, m[0]);
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (!isJsonObject(parsed)) throw new Error(`${file}: not a JSON object`);
    results.set(m[1], parsed);
  }
  return { date, results };
}

/** The typed view of a known benchmark's (or machine's) figures; the raw object stays what is written and shown generically. */
function typed<S extends z.ZodType>(schema: S, value: JsonValue | undefined, what: string): z.infer<S> | undefined {
  if (value === undefined) return undefined;
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new Error(`bench results, ${what}: ${parsed.error.message}`);
  return parsed.data;
}

function flatten(value: JsonValue | undefined, prefix = ''): Leaf[] {
  if (value === null || value === undefined) return [];
  if (Array.isArray(value)) return value.flatMap((v, i) => flatten(v, `${prefix}[${i}]`));
  if (typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => flatten(v, prefix ? `${prefix}.${k}` : k));
  return [[prefix, value]];
}

/** What a table cell or a bar's figure can be. */
type Cell = number | string | boolean | null | undefined;

const num = (v: unknown) => (typeof v === 'number' ? v : undefined);
const fmt = (v: Cell) =>
  typeof v === 'number' ? (Number.isInteger(v) ? v.toLocaleString('en-US') : String(+v.toFixed(3))) : v === undefined ? '–' : String(v);
const row = (cells: Cell[]) => `| ${cells.map(fmt).join(' | ')} |`;
const table = (head: string[], rows: Cell[][], align = head.map((_, i) => (i === 0 ? '---' : '---:'))) =>
  [row(head), `| ${align.join(' | ')} |`, ...rows.map(row)].join('\n');

// ---------- Markdown ----------

function lifecycleMd(r: Lifecycle): string {
  const runs = [
    ['platform (HTTP, worker, API, Postgres)', r.platform],
    ['bare Temporal skeleton', r.skeleton],
  ] as const;
  const main = table(
    ['run', 'closed', 'failed', 'enrollments/s', 'p50 ms', 'p99 ms', 'max ms'],
    runs.map(([name, x]) => [name, x?.completed, x?.failed, x?.perSecond, x?.p50Ms, x?.p99Ms, x?.maxMs]),
  );
  const rounds = r.rounds ? ` (median of ${r.rounds.length} rounds: ${r.rounds.map((x) => x.ratio).join(', ')})` : '';
  const latency = r.latencyRatio ? `, p50 ×${r.latencyRatio.p50}, p99 ×${r.latencyRatio.p99}` : '';
  const ratio = r.ratio != null ? `\n\nPlatform / skeleton: throughput ×${r.ratio}${rounds}${latency}.` : '';
  const history = r.history
    ? `\n\n${table(
        ['history (one happy path)', 'events', 'bytes', 'activities', 'local activities', 'signals', 'updates', 'timers'],
        Object.entries(r.history).map(([k, h]) => [k, h.events, h.bytes, h.activities, h.localActivities, h.signals, h.updates, h.timers]),
      )}`
    : '';
  return `${r.settings?.enrollments ?? '?'} enrollments, ${r.settings?.concurrency ?? '?'} in flight.\n\n${main}${ratio}${history}`;
}

function exportsMd(w: WioaExport | undefined, r: RevenueExport | undefined): string | undefined {
  const rows: Cell[][] = [];
  if (w)
    rows.push([
      'WIOA PIRL (CSV, streamed)',
      w.generatedEnrollments,
      w.exportedRows,
      w.seconds,
      w.rowsPerSecond,
      '–',
      w.peakRssMiB,
      w.peakHeapUsedMiB,
    ]);
  for (const x of revenueRuns(r)) {
    rows.push([
      `revenue share (${x.format.toUpperCase()}, streamed)`,
      r?.generatedEnrollments,
      x.entries,
      x.seconds,
      x.entriesPerSecond,
      x.ttfbMs,
      x.peakRssMiB,
      x.peakHeapUsedMiB,
    ]);
  }
  if (rows.length === 0) return undefined;
  return table(['export', 'enrollments', 'rows', 'seconds', 'rows/s', 'first byte ms', 'peak RSS MiB', 'peak heap MiB'], rows);
}

/** The revenue export's JSON and CSV runs, those that are there. */
function revenueRuns(r: RevenueExport | undefined) {
  return r ? [r.runs?.json, r.runs?.csv].filter((x) => !!x) : [];
}

function apiLatencyMd(r: ApiLatency): string {
  const rows = r.runs.flatMap((run) =>
    (run.rows ?? []).map((x) => [
      `${x.endpoint} @ ${run.ratePerSecond}/s`,
      x.platform.achievedRate,
      x.platform.p50Ms,
      x.platform.p99Ms,
      x.call,
      x.bare.p50Ms,
      x.bare.p99Ms,
    ]),
  );
  return `Open loop, latency from when each request was due.\n\n${table(['endpoint @ set rate', 'achieved /s', 'p50 ms', 'p99 ms', 'bare call', 'bare p50 ms', 'bare p99 ms'], rows)}`;
}

function apiLatencyPanels(r: ApiLatency): Panel[] {
  return r.runs.map((run) => ({
    title: `API latency at ${run.ratePerSecond} requests/s (open loop)`,
    unit: 'ms p50 / p99 (lower is better)',
    bars: (run.rows ?? []).flatMap((x) => [
      { label: `${x.endpoint} p50`, value: x.platform.p50Ms, color: C.p50, text: `${fmt(x.platform.p50Ms)} (bare ${fmt(x.bare.p50Ms)})` },
      { label: `${x.endpoint} p99`, value: x.platform.p99Ms, color: C.p99, text: `${fmt(x.platform.p99Ms)} (bare ${fmt(x.bare.p99Ms)})` },
    ]),
  }));
}

function genericMd(r: JsonObject): string {
  const leaves = flatten({ ...r, machine: undefined, date: undefined, benchmark: undefined }).filter(
    ([, v]) => typeof v !== 'string' || v.length < 120,
  );
  return table(
    ['measure', 'value'],
    leaves.map(([k, v]) => [k, v]),
    ['---', '---:'],
  );
}

// ---------- SVG ----------

interface Bar {
  label: string;
  /** null (a NaN measure) draws as 0 and reads "null" */
  value: number | null;
  color: string;
  text?: string;
}
interface Panel {
  title: string;
  unit: string;
  bars: Bar[];
  note?: string;
}

const C = {
  platform: '#2f6fbf',
  bare: '#9aa5b1',
  p50: '#3c9d6b',
  p99: '#d9822b',
  rss: '#8e5bb5',
  heap: '#c2a0dc',
  a: '#2f6fbf',
  b: '#3c9d6b',
  c: '#d9822b',
};
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function lifecyclePanels(r: Lifecycle): Panel[] {
  const p = r.platform ?? {};
  const s = r.skeleton ?? {};
  const panels: Panel[] = [];
  const platformPerSecond = num(p.perSecond);
  const skeletonPerSecond = num(s.perSecond);
  if (platformPerSecond !== undefined && skeletonPerSecond !== undefined) {
    panels.push({
      title: `Lifecycle throughput (${r.settings?.enrollments ?? '?'} enrollments to closed)`,
      unit: 'enrollments/s',
      bars: [
        { label: 'platform', value: platformPerSecond, color: C.platform },
        { label: 'bare Temporal', value: skeletonPerSecond, color: C.bare },
      ],
      note: r.ratio != null ? `platform / bare: ×${r.ratio}` : undefined,
    });
  }
  if (num(p.p50Ms) !== undefined) {
    const bars = [
      { label: 'platform p50', value: num(p.p50Ms), color: C.p50 },
      { label: 'bare Temporal p50', value: num(s.p50Ms), color: C.bare },
      { label: 'platform p99', value: num(p.p99Ms), color: C.p99 },
      { label: 'bare Temporal p99', value: num(s.p99Ms), color: C.bare },
    ];
    panels.push({
      title: 'Time to close',
      unit: 'ms (lower is better)',
      bars: bars.filter((b): b is Bar & { value: number } => b.value !== undefined),
    });
  }
  if (r.history) {
    panels.push({
      title: 'History of one happy-path enrollment',
      unit: 'events',
      bars: Object.entries(r.history).map(([k, h], i) => ({
        label: k,
        value: h.events,
        color: [C.a, C.b, C.c][i % 3],
        text: `${h.events} events, ${(h.bytes / 1024).toFixed(1)} KiB`,
      })),
    });
  }
  return panels;
}

function exportPanels(w: WioaExport | undefined, r: RevenueExport | undefined): Panel[] {
  const speed: Bar[] = [];
  const memory: Bar[] = [];
  if (w) {
    speed.push({ label: 'WIOA PIRL CSV', value: w.rowsPerSecond, color: C.a });
    memory.push({ label: 'WIOA PIRL CSV', value: w.peakRssMiB, color: C.rss, text: `${w.peakRssMiB} RSS / ${w.peakHeapUsedMiB} heap` });
  }
  for (const x of revenueRuns(r)) {
    speed.push({ label: `revenue share ${x.format.toUpperCase()}`, value: x.entriesPerSecond, color: x.format === 'json' ? C.b : C.c });
    memory.push({
      label: `revenue share ${x.format.toUpperCase()}`,
      value: x.peakRssMiB,
      color: C.rss,
      text: `${x.peakRssMiB} RSS / ${x.peakHeapUsedMiB} heap`,
    });
  }
  const n = w?.generatedEnrollments ?? r?.generatedEnrollments;
  return [
    ...(speed.length ? [{ title: `Report exports over ${fmt(n)} enrollments`, unit: 'rows/s', bars: speed }] : []),
    ...(memory.length ? [{ title: 'Export peak memory (whole process)', unit: 'MiB peak RSS', bars: memory }] : []),
  ];
}

/** Unknown schema: latency pairs (…p50… / …p99…) or memory figures (…rss…, …MiB…, …MB…), whichever are there. */
function genericPanels(name: string, r: JsonObject): Panel[] {
  const leaves = flatten({ ...r, machine: undefined, settings: undefined }).filter((l): l is [string, number] => typeof l[1] === 'number');
  const latency = leaves.filter(([k]) => /p(50|99)/i.test(k.split('.').at(-1)!));
  if (latency.length) {
    return [
      {
        title: name,
        unit: 'ms',
        bars: latency.slice(0, 24).map(([k, v]) => ({ label: k, value: v, color: /p99/i.test(k) ? C.p99 : C.p50 })),
      },
    ];
  }
  const memory = leaves.filter(([k]) => /rss|mib|mb\b|perworkflow/i.test(k));
  if (memory.length)
    return [{ title: name, unit: 'MiB', bars: memory.slice(0, 24).map(([k, v]) => ({ label: k, value: v, color: C.rss })) }];
  return [];
}

function svg(date: string, machine: Machine | undefined, panels: Panel[]): string {
  const W = 820;
  const LABEL = 230;
  const BAR = 400;
  const ROW = 24;
  const parts: string[] = [];
  let y = 78;
  for (const p of panels) {
    const max = Math.max(...p.bars.map((b) => b.value ?? 0), 1e-9);
    parts.push(`<text x="24" y="${y}" class="h">${esc(p.title)}</text>`);
    parts.push(`<text x="${W - 24}" y="${y}" class="u" text-anchor="end">${esc(p.unit)}</text>`);
    y += 12;
    for (const b of p.bars) {
      const w = Math.max(1, ((b.value ?? 0) / max) * BAR);
      parts.push(
        `<text x="${LABEL - 8}" y="${y + 15}" class="l" text-anchor="end">${esc(b.label.length > 34 ? `…${b.label.slice(-33)}` : b.label)}</text>`,
      );
      parts.push(`<rect x="${LABEL}" y="${y + 3}" width="${w.toFixed(1)}" height="${ROW - 8}" rx="3" fill="${b.color}"/>`);
      parts.push(`<text x="${(LABEL + w + 6).toFixed(1)}" y="${y + 15}" class="v">${esc(b.text ?? fmt(b.value))}</text>`);
      y += ROW;
    }
    if (p.note) {
      parts.push(`<text x="${LABEL}" y="${y + 12}" class="n">${esc(p.note)}</text>`);
      y += 16;
    }
    y += 30;
  }
  const sub = machine ? `${machine.cpus} CPUs, Node ${machine.node} — figures from one run; other work on the machine disturbs them` : '';
  return `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${y}" viewBox="0 0 ${W} ${y}" font-family="Helvetica, Arial, sans-serif">
<style>.t{font-size:20px;font-weight:bold;fill:#1f2933}.s{font-size:12px;fill:#616e7c}.h{font-size:15px;font-weight:bold;fill:#1f2933}.u{font-size:12px;fill:#7b8794}.l{font-size:13px;fill:#323f4b}.v{font-size:12px;fill:#1f2933}.n{font-size:12px;font-style:italic;fill:#52606d}</style>
<rect width="100%" height="100%" fill="#ffffff"/>
<text x="24" y="28" class="t">Benchmarks, ${esc(date)}</text>
<text x="24" y="44" class="s">${esc(sub)}</text>
${parts.join('\n')}
</svg>
`;
}

function main(): void {
  const { date, results } = latestResults();
  const sections: string[] = [`# Benchmarks, ${date}`];
  const panels: Panel[] = [];
  const lifecycle = typed(Lifecycle, results.get('lifecycle'), 'lifecycle');
  const wioa = typed(WioaExport, results.get('wioa-export'), 'wioa-export');
  const revenue = typed(RevenueExport, results.get('revenue-export'), 'revenue-export');
  const latencyRaw = results.get('api-latency');
  const latency = latencyRaw?.runs ? typed(ApiLatency, latencyRaw, 'api-latency') : undefined;
  // As read (written as is into <date>.json); the figures below are its typed view.
  const machineRaw = results.get('lifecycle')?.machine ?? results.get('revenue-export')?.machine;
  const machine = typed(Machine, machineRaw ?? undefined, 'machine');
  if (machine)
    sections.push(
      `${machine.cpus} CPUs (${machine.cpuModel}), ${machine.memoryGb} GB, Node ${machine.node}. One run each; figures are disturbed by anything else running on the machine.`,
    );
  if (lifecycle) {
    sections.push(`## Lifecycle: platform vs bare Temporal\n\n${lifecycleMd(lifecycle)}`);
    panels.push(...lifecyclePanels(lifecycle));
  }
  const exp = exportsMd(wioa, revenue);
  if (exp) {
    sections.push(`## Report exports\n\n${exp}`);
    panels.push(...exportPanels(wioa, revenue));
  }
  if (latency) {
    sections.push(`## API latency\n\n${apiLatencyMd(latency)}`);
    panels.push(...apiLatencyPanels(latency));
  }
  for (const [name, r] of results) {
    if (['lifecycle', 'wioa-export', 'revenue-export'].includes(name) || (name === 'api-latency' && r.runs)) continue;
    sections.push(`## ${name}\n\n${genericMd(r)}`);
    panels.push(...genericPanels(name, r));
  }
  const all = path.join(RESULTS_DIR, `${date}.json`);
  writeFileSync(all, `${JSON.stringify({ date, machine: machineRaw, benchmarks: Object.fromEntries(results) }, null, 2)}\n`);
  // The same figures keyed by benchmark at the top (`lifecycle.ratio`), at a name that does not change with the date.
  const latest = path.join(RESULTS_DIR, 'latest.json');
  writeFileSync(latest, `${JSON.stringify({ date, machine: machineRaw, ...Object.fromEntries(results) }, null, 2)}\n`);
  const md = path.join(RESULTS_DIR, `summary-${date}.md`);
  const chart = path.join(RESULTS_DIR, `summary-${date}.svg`);
  writeFileSync(md, `${sections.join('\n\n')}\n\n![chart](summary-${date}.svg)\n`);
  writeFileSync(chart, svg(date, machine, panels));
  console.log(
    `written ${[all, latest, md, chart].map((f) => path.relative(process.cwd(), f)).join(', ')} (${[...results.keys()].join(', ')})`,
  );
}

main();
