import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import type { Db } from '../../db/pool';
import type { Actor } from '../../core/actor';
import { refuse } from '../../core/refusals';
import { partnerExists, type ProgramRow, programView } from './queries';
import { audit } from '../../core/audit';
import type { createProgramBody } from './schemas';

/** Adds a program to the catalog (an admin's act, audited); 400 for a partner that does not exist. */
export async function createProgram(db: Db, actor: Actor, p: z.output<typeof createProgramBody>) {
  if (!(await partnerExists(db, p.partnerId))) {
    throw refuse.invalid(`unknown partner ${p.partnerId}`, [{ field: 'body.partnerId', message: 'unknown partner' }]);
  }
  const {
    rows: [program],
  } = await db.query<ProgramRow>(
    `INSERT INTO programs (id, title, partner_id, partner_course_id, price_cents, currency, holder_id, platform_bps, holder_bps,
                           partner_bps, credential_type, deadline_days, move_on, training_service_type, passing_score_percent)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING *`,
    [
      randomUUID(),
      p.title,
      p.partnerId,
      p.partnerCourseId ?? null,
      p.priceCents,
      p.currency,
      p.holderId,
      p.revenueShare.platformBps,
      p.revenueShare.holderBps,
      p.revenueShare.partnerBps,
      p.credentialType,
      p.deadlineDays,
      p.moveOn,
      p.trainingServiceType,
      p.passingScorePercent ?? null,
    ],
  );
  await audit(db, actor, 'program.create', { type: 'program', id: program.id });
  return programView(program);
}
