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

export async function listPrograms(db: Db) {
  const { rows } = await db.query<ProgramRow>('SELECT * FROM programs ORDER BY title, id');
  return rows.map(programView);
}

export async function listPartners(db: Db) {
  const { rows } = await db.query<{ id: string; name: string }>('SELECT id, name FROM partners ORDER BY id');
  return rows;
}

export async function partnerExists(db: Db, partnerId: string): Promise<boolean> {
  const { rowCount } = await db.query('SELECT 1 FROM partners WHERE id = $1', [partnerId]);
  return Boolean(rowCount);
}
