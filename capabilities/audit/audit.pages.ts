import { Router } from 'express';
import { z } from 'zod';
import { withQuery } from '../../console/forms';
import { fmt } from '../../console/format';
import type { Render } from '../../console/render';
import type { CoreDeps } from '../../core/deps';
import { parse } from '../../core/refusals';
import { withoutBlanks } from '../../core/schemas';
import { auditActions, listAuditEntries } from './queries';

const AUDIT_PAGE_SIZE = 50;

/** The audit log's filter: one action, one actor, and the page (entries older than `before`). */
const auditQuery = z.preprocess(
  withoutBlanks,
  z.object({
    action: z.string().trim().max(100).optional(),
    actor: z.string().trim().max(200).optional(),
    before: z.coerce.number().int().positive().optional(),
  }),
);

/** The admin's Audit log (/admin/audit): newest first, filtered by action or actor, a page at a time. */
export function auditPages({ db }: CoreDeps, render: Render): Router {
  const router = Router();

  router.get('/audit', async (req, res) => {
    const q = parse(auditQuery, req.query, 'query');
    const [entries, actions] = await Promise.all([
      listAuditEntries(db, { action: q.action, actorId: q.actor, before: q.before, limit: AUDIT_PAGE_SIZE + 1 }),
      auditActions(db),
    ]);
    const page = entries.slice(0, AUDIT_PAGE_SIZE);
    render(req, res, 'admin/audit', {
      title: 'Audit log',
      fmt,
      entries: page,
      actions,
      action: q.action ?? '',
      actorFilter: q.actor ?? '',
      filtered: Boolean(q.action || q.actor || q.before),
      older:
        entries.length > AUDIT_PAGE_SIZE
          ? withQuery('/admin/audit', { action: q.action, actor: q.actor, before: page[page.length - 1].id })
          : null,
      newest: q.before ? withQuery('/admin/audit', { action: q.action, actor: q.actor }) : null,
    });
  });

  return router;
}
