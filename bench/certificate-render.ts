/**
 * Benchmark (not a test) of certificate PDF rendering, the worker's biggest CPU cost per completed enrollment:
 * services/certificate-pdf.ts called in this process, one certificate at a time, no database and no file store.
 * After 20 warm-up renders, BENCH_CERTIFICATES certificates with realistic content (the seeded programs and partners,
 * a distinct verification code and verify URL each, every other one with a partner certificate link) are rendered in
 * sequence; each render is timed from the call until its PDF buffer is complete. Prints ms per certificate (mean,
 * p50, p99, max), process CPU ms per certificate, certificates per second and the average PDF size in bytes, checks
 * that the same content renders to the same bytes, and writes bench/results/certificate-render-<date>.json.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/certificate-render.js     (BENCH_CERTIFICATES=300)
 */
import { verificationUrl } from '../lib/certificate-links';
import { SEEDED_PARTNERS, SEEDED_PROGRAMS } from '../db/seed';
import { type CertificateContent, renderCertificatePdf } from '../services/certificate-pdf';
import { machine, percentile, writeResult } from './harness';

const N = Number(process.env.BENCH_CERTIFICATES ?? 300);
const WARM_UP = 20;
const BASE_URL = 'http://localhost:3000';
const STUDENTS = ['Grace Hopper', 'Alan Turing', 'Katherine Johnson', 'Ada Lovelace', 'Margaret Hamilton', 'José Martínez-García'];
const CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;

/** A distinct code for each i, in the format of newVerificationCode() (ABCD-EFGH-JKLM), but reproducible run to run. */
function code(i: number): string {
  let x = (i + 1) * 2654435761;
  const chars = Array.from({ length: 12 }, () => {
    const c = CODE_ALPHABET[x % 32];
    x = Math.floor(x / 32) + 7919 * (i + 3);
    return c;
  }).join('');
  return `${chars.slice(0, 4)}-${chars.slice(4, 8)}-${chars.slice(8, 12)}`;
}

function content(i: number): CertificateContent {
  const program = SEEDED_PROGRAMS[i % SEEDED_PROGRAMS.length];
  const partner = SEEDED_PARTNERS.find((p) => p.id === program.partnerId)!;
  const verificationCode = code(i);
  return {
    studentName: STUDENTS[i % STUDENTS.length],
    programTitle: program.title,
    partnerName: partner.name,
    credentialType: program.credentialType,
    completedAt: new Date(Date.UTC(2025, i % 12, 1 + (i % 28))),
    issuedAt: new Date(Date.UTC(2025, i % 12, 2 + (i % 28), 9, 30)),
    verificationCode,
    verifyUrl: verificationUrl(BASE_URL, verificationCode),
    partnerCertificateUrl: i % 2 === 0 ? `https://${partner.id}.example/certificates/${verificationCode}` : null,
  };
}

async function main(): Promise<void> {
  for (let i = 0; i < WARM_UP; i++) await renderCertificatePdf(content(N + i));

  const durations: number[] = [];
  const codes = new Set<string>();
  let bytes = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    const c = content(i);
    codes.add(c.verificationCode);
    const start = performance.now();
    const pdf = await renderCertificatePdf(c);
    durations.push(performance.now() - start);
    bytes += pdf.length;
  }
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  if (codes.size !== N) throw new Error(`only ${codes.size} distinct verification codes for ${N} certificates`);
  const [first, again] = [await renderCertificatePdf(content(0)), await renderCertificatePdf(content(0))];

  durations.sort((a, b) => a - b);
  const result = {
    benchmark: 'certificate-render',
    date: new Date().toISOString(),
    machine: machine(),
    certificates: N,
    warmUp: WARM_UP,
    msPerCertificate: {
      mean: round(durations.reduce((s, d) => s + d, 0) / N),
      p50: round(percentile(durations, 50)),
      p99: round(percentile(durations, 99)),
      max: round(durations[N - 1]),
    },
    cpuMsPerCertificate: round((cpu.user + cpu.system) / 1000 / N),
    certificatesPerSecond: round((N / wallMs) * 1000, 1),
    averagePdfBytes: Math.round(bytes / N),
    deterministic: first.equals(again),
    note: 'sequential renders in one process; CPU time is the whole process (user + system) over the measured renders',
  };
  console.log(JSON.stringify(result, null, 2));
  if (!result.deterministic) throw new Error('the same content rendered to different bytes');
  writeResult('certificate-render', result);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
