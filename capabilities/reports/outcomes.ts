/**
 * Outcomes at a glance: per program, the funnel of the enrollments that began in a period (enrolled → launched →
 * completed → credential) and the two rates a program is judged by, for the people who may see them: an admin every
 * program, a funder the enrollments its vouchers fund, a program holder their own programs. Counts only: no student
 * is shown, so reading them is no disclosure.
 *
 * - enrolled: enrollments opened in the period and paid or funded (an abandoned checkout is not an enrollment);
 * - launched: of those, the course was launched at the partner;
 * - completed: of those, training completed (any completion channel);
 * - credential: of those, a certificate was issued and is not revoked.
 * The rates divide by enrolled: completion rate and credential-attainment rate (WIOA's own credential rate counts
 * exiters a year on; this is the program's view of its cohort, as the ETP list reads it).
 */
import type { Db } from '../../db/pool';

export interface OutcomeScope {
  /** A holder's programs only. */
  holderId?: string;
  /** Only enrollments funded by this organization's vouchers. */
  organizationId?: string;
}

export interface Funnel {
  enrolled: number;
  launched: number;
  completed: number;
  credential: number;
}

export interface ProgramOutcome extends Funnel {
  programId: string;
  programTitle: string;
  /** Of those enrolled, the share that completed and that attained the credential; null with no one enrolled. */
  completionRate: number | null;
  credentialRate: number | null;
}

export interface Outcomes {
  from: string;
  to: string;
  programs: ProgramOutcome[];
  total: Omit<ProgramOutcome, 'programId' | 'programTitle'>;
}

interface Row {
  id: string;
  title: string;
  enrolled: string;
  launched: string;
  completed: string;
  credential: string;
}

const rate = (part: number, whole: number) => (whole ? part / whole : null);
const withRates = (f: Funnel) => ({ ...f, completionRate: rate(f.completed, f.enrolled), credentialRate: rate(f.credential, f.enrolled) });

/**
 * The funnel per program for enrollments opened from `from` to `to` (calendar days, UTC, both included). A holder's
 * programs are listed even with no enrollment; otherwise only programs with one.
 */
export async function programOutcomes(db: Db, scope: OutcomeScope, from: string, to: string): Promise<Outcomes> {
  const { rows } = await db.query<Row>(
    `WITH cohort AS (
       SELECT e.program_id, e.launched_at IS NOT NULL AS launched, e.completed_at IS NOT NULL AS completed,
              EXISTS (SELECT 1 FROM certificates c WHERE c.enrollment_id = e.id AND c.revoked_at IS NULL) AS credential
         FROM enrollments e
        WHERE e.paid_at IS NOT NULL
          AND e.created_at >= $1::date AND e.created_at < $2::date + 1
          AND ($4::text IS NULL OR EXISTS (SELECT 1 FROM vouchers v WHERE v.id = e.voucher_id AND v.organization_id = $4))
     )
     SELECT p.id, p.title,
            count(c.program_id) AS enrolled,
            count(*) FILTER (WHERE c.launched) AS launched,
            count(*) FILTER (WHERE c.completed) AS completed,
            count(*) FILTER (WHERE c.credential) AS credential
       FROM programs p LEFT JOIN cohort c ON c.program_id = p.id
      WHERE ($3::text IS NULL OR p.holder_id = $3)
      GROUP BY p.id, p.title
     HAVING $3::text IS NOT NULL OR count(c.program_id) > 0
      ORDER BY p.title, p.id`,
    [from, to, scope.holderId ?? null, scope.organizationId ?? null],
  );
  const programs = rows.map((r) => ({
    programId: r.id,
    programTitle: r.title,
    ...withRates({
      enrolled: Number(r.enrolled),
      launched: Number(r.launched),
      completed: Number(r.completed),
      credential: Number(r.credential),
    }),
  }));
  const sum = (k: keyof Funnel) => programs.reduce((n, p) => n + p[k], 0);
  return {
    from,
    to,
    programs,
    total: withRates({ enrolled: sum('enrolled'), launched: sum('launched'), completed: sum('completed'), credential: sum('credential') }),
  };
}

/** The funnel's stages, in order, with what each counts. */
export const FUNNEL_STAGES = ['enrolled', 'launched', 'completed', 'credential'] as const satisfies readonly (keyof Funnel)[];

/**
 * A horizontal bar chart of the funnel per program, as geometry for an SVG the page draws (no script, no library):
 * each program's title on a line, then its four bars, scaled to the largest count, each with its count. Narrow enough
 * that a phone shows it at a readable size.
 */
export function funnelChart(outcomes: Outcomes, width = 420) {
  const barHeight = 16;
  const gap = 3;
  const titleHeight = 20;
  const groupGap = 14;
  const plot = width - 48;
  const max = Math.max(1, ...outcomes.programs.flatMap((p) => FUNNEL_STAGES.map((s) => p[s])));
  let y = 0;
  const groups = outcomes.programs.map((p) => {
    const titleY = y + 15;
    const top = y + titleHeight;
    const bars = FUNNEL_STAGES.map((stage, i) => {
      const barY = top + i * (barHeight + gap);
      const w = Math.max(1, Math.round((p[stage] / max) * plot));
      return { stage, count: p[stage], y: barY, width: w, height: barHeight, textX: w + 4, textY: barY + barHeight - 3 };
    });
    y = top + FUNNEL_STAGES.length * (barHeight + gap) + groupGap;
    return { title: p.programTitle, titleY, bars };
  });
  return { width, height: Math.max(y, 40), groups };
}
