/**
 * The ADL LRS conformance test suite (xAPI 1.0.3) against this API's `/xapi` (not a test, and not part of `npm test`:
 * it needs the suite checked out and installed outside the project). The real express app on a loopback port, a
 * throw-away database, the seeded `demo` partner with a new API key as the suite's HTTP Basic credentials.
 *
 * Set up the suite once (MIT licence, https://github.com/adlnet/lrs-conformance-test-suite):
 *
 *   git clone https://github.com/adlnet/lrs-conformance-test-suite /tmp/lrs-suite && (cd /tmp/lrs-suite && npm install)
 *
 * then
 *
 *   npx tsc -p tsconfig.json && node dist/bench/xapi-conformance.js
 *
 * Knobs: LRS_SUITE_DIR (/tmp/lrs-suite), XAPI_CONFORMANCE_GREP (a mocha grep, e.g. "Data 2.4.2"). Writes
 * bench/results/xapi-conformance-<date>.json (every failing case with its error) and .md (counts per area).
 * "Templated" cases are the ones the suite generates from its configs/*.js (each POSTs one statement and checks the
 * status code); the rest are written out one by one in the test files. Each area (test file) runs on its own: in the
 * suite's mocha a failing before-hook ends the whole run.
 *
 * The measure before issue 14 (bench/results/xapi-conformance-baseline-2026-11-30.md): on that build the suite's
 * first hook (POST a statement without a registration, then GET it by statementId) fails, which stops every area, so
 * it ran on a copy of the suite with that hook skipped:
 *
 *   cp -a /tmp/lrs-suite /tmp/lrs-suite-nohook && sed -i 's/helper.setTimeMargin(done);/done();/' \
 *     /tmp/lrs-suite-nohook/test/v1_0_3/Data2.2-FormattingRequirements.js
 *   LRS_SUITE_DIR=/tmp/lrs-suite-nohook node dist/bench/xapi-conformance.js
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { createApiKey } from '../capabilities/completion/partners/partner-keys';
import { machine, withApp, withBenchDatabase, writeResult } from './harness';

const SUITE_DIR = process.env.LRS_SUITE_DIR ?? '/tmp/lrs-suite';
const GREP = process.env.XAPI_CONFORMANCE_GREP;
const PARTNER = 'demo';

/** A node of the suite's run log: a describe (with tests) or an it (without). */
interface LogNode {
  title: string;
  status: string;
  error?: string;
  tests: LogNode[];
}

/** One test file of the suite: its top-level describe and the cases it generates from configs/*.js. */
interface AreaSpec {
  file: string;
  title: string;
  /** How many templated cases each "<describe title>\u0000<it title>" stands for (a few configs repeat a case). */
  templated: Map<string, number>;
}

interface Area {
  area: string;
  file: string;
  /** The cases mocha counted for this area (a failing hook skips the rest: not run counts as not passed). */
  total: number;
  passed: number;
  templatedTotal: number;
  templatedPassed: number;
}

interface Failure {
  area: string;
  suite: string;
  test: string;
  templated: boolean;
  error: string;
}

/** The suite's v1_0_3 test files: the first describe of each, and the cases it generates from its configs. */
function areaSpecs(): AreaSpec[] {
  const testsDir = path.join(SUITE_DIR, 'test', 'v1_0_3');
  const load = createRequire(path.join(testsDir, 'index.js'));
  return readdirSync(testsDir)
    .filter((f) => f.endsWith('.js'))
    .sort()
    .flatMap((file) => {
      const source = readFileSync(path.join(testsDir, file), 'utf8');
      const title = /^\s*describe\(\s*(['"])(.*?)\1/m.exec(source)?.[2];
      if (!title) return [];
      const templated = new Map<string, number>();
      for (const [, config] of source.matchAll(/createTemplate\(\s*["']([^"']+)["']/g)) {
        const configFile = load(`./configs/${config}`) as { config: (this: void) => { name: string; config: { name: string }[] }[] };
        for (const c of configFile.config())
          for (const t of c.config) {
            const key = `${c.name}\u0000${t.name}`;
            templated.set(key, (templated.get(key) ?? 0) + 1);
          }
      }
      return [{ file, title, templated }];
    });
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Runs the suite's console runner on the cases matching `grep`; resolves to its run log. */
function runSuite(endpoint: string, user: string, password: string, grep: string): Promise<{ summary: { total: number }; log?: LogNode }> {
  const args = ['bin/console_runner.js', '-x', '1.0.3', '-e', endpoint, '-a', '-u', user, '-p', password, '-g', grep];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: SUITE_DIR, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('error', reject);
    child.once('exit', () => {
      const logPath = /Full run log written to (.+\.log)/.exec(out)?.[1];
      if (!logPath) return reject(new Error(`the suite wrote no run log; its output ended with:\n${out.slice(-2000)}`));
      const run = JSON.parse(readFileSync(logPath.trim(), 'utf8')) as { summary: { total: number }; log?: LogNode };
      rmSync(logPath.trim());
      resolve(run);
    });
  });
}

async function main(): Promise<void> {
  if (!existsSync(path.join(SUITE_DIR, 'node_modules')))
    throw new Error(`the conformance suite is not installed in ${SUITE_DIR} (see the top of bench/xapi-conformance.ts)`);
  const specs = areaSpecs().filter((a) => !GREP || new RegExp(GREP).test(a.title));
  await withBenchDatabase(async (db) => {
    const { apiKey } = await createApiKey(db, PARTNER, 'bench');
    await withApp(
      db,
      async (app) => {
        const started = Date.now();
        const areas: Area[] = [];
        const failures: Failure[] = [];
        // One run per area: in this mocha a failing before-hook ends the whole run, so one area cannot hide the rest.
        for (const spec of specs) {
          const run = await runSuite(`${app.baseUrl}/xapi`, PARTNER, apiKey, `^${escapeRegExp(spec.title)}`);
          const area: Area = {
            area: spec.title,
            file: spec.file,
            total: run.summary.total,
            passed: 0,
            templatedTotal: [...spec.templated.values()].reduce((n, c) => n + c, 0),
            templatedPassed: 0,
          };
          const walk = (node: LogNode, suite: string) => {
            if (node.tests.length > 0) return node.tests.forEach((child) => walk(child, node.title));
            const templated = spec.templated.has(`${suite}\u0000${node.title}`);
            if (node.status === 'passed') {
              area.passed++;
              if (templated) area.templatedPassed++;
            } else if (node.status === 'failed') {
              failures.push({ area: spec.title, suite, test: node.title, templated, error: (node.error ?? '').slice(0, 500) });
            }
          };
          if (run.log) walk(run.log, '');
          areas.push(area);
          console.log(`${spec.title}: ${area.passed} of ${area.total} (templated ${area.templatedPassed} of ${area.templatedTotal})`);
        }
        const sum = (k: 'total' | 'passed' | 'templatedTotal' | 'templatedPassed') => areas.reduce((n, a) => n + a[k], 0);
        const result = {
          date: new Date().toISOString(),
          machine: machine(),
          suite: SUITE_DIR,
          grep: GREP ?? null,
          seconds: Math.round((Date.now() - started) / 1000),
          total: sum('total'),
          passed: sum('passed'),
          templatedTotal: sum('templatedTotal'),
          templatedPassed: sum('templatedPassed'),
          areas,
          failures,
        };
        const markdown = [
          `# ADL LRS conformance suite, xAPI 1.0.3 (${result.date.slice(0, 10)})`,
          '',
          `All cases: **${result.passed} of ${result.total}** pass; templated (generated from configs/*.js): ` +
            `**${result.templatedPassed} of ${result.templatedTotal}**. One run per area, ${result.seconds} s in all.`,
          '',
          '| area | passed | of | templated passed | of |',
          '|---|---:|---:|---:|---:|',
          ...areas.map((a) => `| ${a.area} | ${a.passed} | ${a.total} | ${a.templatedPassed} | ${a.templatedTotal} |`),
          '',
          '## Failing cases (and failing hooks, which skip the rest of their area)',
          '',
          ...failures.map((f) => `- ${f.area} › ${f.suite} › ${f.test}${f.templated ? ' (templated)' : ''}: ${f.error.split('\n')[0]}`),
          '',
        ].join('\n');
        writeResult('xapi-conformance', result, markdown);
      },
      { RATE_LIMIT_CLIENT: '100000000', RATE_LIMIT_PARTNER: '100000000' },
    );
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
