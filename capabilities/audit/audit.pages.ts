import { Router } from 'express';
import { z } from 'zod';
import { parseForm, typedValues, withQuery } from '../../console/forms';
import { fmt } from '../../console/format';
import type { Render } from '../../console/render';
import type { CoreDeps } from '../../core/deps';
import { calendarDay, withoutBlanks } from '../../core/schemas';
import { auditActions, auditTargetLabels, listAuditEntries } from './queries';
import { staffNames } from './staff-directory';

const AUDIT_PAGE_SIZE = 50;

/** The audit log's filter: one action, one actor, the days from and to, and the page (entries older than `before`). */
const auditQuery = z.preprocess(
  withoutBlanks,
  z
    .object({
      action: z.string().trim().max(100).optional(),
      actor: z.string().trim().max(200).optional(),
      from: calendarDay.optional(),
      to: calendarDay.optional(),
      before: z.coerce.number().int().positive().optional(),
    })
    .refine((q) => !q.from || !q.to || q.to >= q.from, { message: 'must be on or after From', path: ['to'] }),
);

/** The admin's Audit log (/admin/audit): newest first, filtered by action, actor or days, a page at a time; people and things by name. */
export function auditPages({ db }: CoreDeps, render: Render): Router {
  const router = Router();

  router.get('/audit', async (req, res) => {
    const form = parseForm(auditQuery, req.query);
    const values = typedValues(req.query);
    const q = form.data ?? {};
    const [entries, actions] = await Promise.all([
      form.errors ? [] : listAuditEntries(db, { actorId: q.actor, ...q, limit: AUDIT_PAGE_SIZE + 1 }),
      auditActions(db),
    ]);
    const page = entries.slice(0, AUDIT_PAGE_SIZE);
    // People and things by the names staff know them by (a student acting is shown as a student, not by name).
    const [names, targets] = await Promise.all([
      staffNames(
        db,
        page.filter((e) => e.actor.role !== 'student').map((e) => e.actor.id),
      ),
      auditTargetLabels(
        db,
        page.map((e) => e.target),
      ),
    ]);
    const filter = { action: q.action, actor: q.actor, from: q.from, to: q.to };
    render(
      req,
      res,
      'admin/audit',
      {
        title: 'Audit log',
        fmt,
        entries: page.map((e) => ({ ...e, actorName: names.get(e.actor.id), targetLabel: targets.get(`${e.target.type}:${e.target.id}`) })),
        actions,
        values: { action: values.action ?? '', actor: values.actor ?? '', from: values.from ?? '', to: values.to ?? '' },
        errors: form.errors ?? {},
        filtered: Boolean(q.action || q.actor || q.from || q.to || q.before),
        older: entries.length > AUDIT_PAGE_SIZE ? withQuery('/admin/audit', { ...filter, before: page[page.length - 1].id }) : null,
        newest: q.before ? withQuery('/admin/audit', filter) : null,
      },
      form.errors ? 400 : 200,
    );
  });

  return router;
}
