import type { Db } from '../../db/pool';
import type { CredentialType, TrainingServiceType } from '../../lib/program-rules';

export interface ProgramRow {
  id: string;
  title: string;
  partner_id: string;
  partner_course_id: string | null;
  price_cents: number;
  currency: string;
  holder_id: string;
  platform_bps: number;
  holder_bps: number;
  partner_bps: number;
  credential_type: CredentialType;
  deadline_days: number;
  move_on: string;
  training_service_type: TrainingServiceType;
  archived_at: Date | null;
}

/** A program as the catalog shows it. */
export const programView = (p: ProgramRow) => ({
  id: p.id,
  title: p.title,
  partnerId: p.partner_id,
  partnerCourseId: p.partner_course_id,
  priceCents: p.price_cents,
  currency: p.currency,
  holderId: p.holder_id,
  revenueShare: { platformBps: p.platform_bps, holderBps: p.holder_bps, partnerBps: p.partner_bps },
  credentialType: p.credential_type,
  deadlineDays: p.deadline_days,
  moveOn: p.move_on,
  trainingServiceType: p.training_service_type,
});

/** The catalog: the programs open to enrollment; with `archived`, the archived ones too (an admin's list). */
export async function listPrograms(db: Db, o: { archived?: boolean } = {}) {
  const { rows } = await db.query<ProgramRow>('SELECT * FROM programs WHERE $1 OR archived_at IS NULL ORDER BY title, id', [
    o.archived ?? false,
  ]);
  return rows.map(programView);
}

/** The ids of the archived programs (the admin's list marks them). */
export async function archivedProgramIds(db: Db): Promise<Set<string>> {
  const { rows } = await db.query<{ id: string }>('SELECT id FROM programs WHERE archived_at IS NOT NULL');
  return new Set(rows.map((r) => r.id));
}

/** One program as its admin page shows it, archived or not (404 for none). */
export async function findProgram(db: Db, id: string) {
  const { rows } = await db.query<ProgramRow>('SELECT * FROM programs WHERE id = $1', [id]);
  return rows[0] && { ...programView(rows[0]), archivedAt: rows[0].archived_at?.toISOString() ?? null };
}

/**
 * The program holders an admin may give a program to, by name and email: every holder who has signed in to the
 * console (their sign-in told the platform who they are), and every holder who owns a program already.
 */
export async function programHolderChoices(db: Db): Promise<{ id: string; name: string | null; email: string | null }[]> {
  const { rows } = await db.query<{ id: string; name: string | null; email: string | null }>(
    `SELECT id, name, email FROM program_holders
     UNION
     SELECT DISTINCT p.holder_id, NULL, NULL FROM programs p WHERE NOT EXISTS (SELECT 1 FROM program_holders h WHERE h.id = p.holder_id)
     ORDER BY 2 NULLS LAST, 3, 1`,
  );
  return rows;
}

export async function listPartners(db: Db) {
  const { rows } = await db.query<{ id: string; name: string }>('SELECT id, name FROM partners ORDER BY id');
  return rows;
}

export async function partnerExists(db: Db, partnerId: string): Promise<boolean> {
  const { rowCount } = await db.query('SELECT 1 FROM partners WHERE id = $1', [partnerId]);
  return Boolean(rowCount);
}
