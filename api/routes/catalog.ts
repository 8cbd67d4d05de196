import { randomUUID } from 'node:crypto';
import { Router } from 'express';
import { actorOf, requireRole } from '../auth';
import type { ApiDeps } from '../deps';
import { problems, parse } from '../problems';
import { audit } from '../read-model/enrollments';
import { createProgramBody } from '../schemas';

const programJson = (p: Record<string, any>) => ({
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
});

export function catalogRoutes({ db }: ApiDeps): Router {
  const router = Router();

  router.get('/api/programs', async (_req, res) => {
    const { rows } = await db.query('SELECT * FROM programs ORDER BY title, id');
    res.json({ programs: rows.map(programJson) });
  });

  router.post('/api/programs', requireRole('admin'), async (req, res) => {
    const body = parse(createProgramBody, req.body, 'body');
    const partner = await db.query('SELECT 1 FROM partners WHERE id = $1', [body.partnerId]);
    if (!partner.rowCount) throw problems.badRequest(`unknown partner ${body.partnerId}`, { errors: [{ field: 'body.partnerId', message: 'unknown partner' }] });
    const { rows } = await db.query(
      `INSERT INTO programs (id, title, partner_id, partner_course_id, price_cents, currency, holder_id, platform_bps, holder_bps,
                             partner_bps, credential_type, deadline_days, move_on)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING *`,
      [randomUUID(), body.title, body.partnerId, body.partnerCourseId ?? null, body.priceCents, body.currency, body.holderId,
        body.revenueShare.platformBps, body.revenueShare.holderBps, body.revenueShare.partnerBps, body.credentialType,
        body.deadlineDays, body.moveOn],
    );
    await audit(db, actorOf(req), 'program.create', { type: 'program', id: rows[0].id });
    res.status(201).location(`/api/programs/${rows[0].id}`).json(programJson(rows[0]));
  });

  router.get('/api/partners', async (_req, res) => {
    const { rows } = await db.query('SELECT id, name FROM partners ORDER BY id');
    res.json({ partners: rows });
  });

  return router;
}
