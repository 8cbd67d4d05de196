import { Router } from 'express';
import { consoleActor } from '../../console/access';
import { withQuery } from '../../console/forms';
import { fmt } from '../../console/format';
import type { Render } from '../../console/render';
import type { CoreDeps } from '../../core/deps';
import { parse } from '../../core/refusals';
import type { Purpose, ReaderRole } from './disclosures';
import { privacyRequestsPanel } from './privacy-requests.pages';
import { listDisclosures } from './queries';
import { disclosuresQuery } from './schemas';

const PAGE_SIZE = 50;

/** Who read the record, as the student reads it. */
const READER_WORDS: Record<ReaderRole, string> = {
  program_holder: 'Program holder',
  funder: 'Funder',
  admin: 'Platform staff',
  partner: 'Training partner',
  lti_tool: 'Training partner’s course tool (LTI)',
  public: 'Public verification page',
};

/** Why, as the student reads it. */
const PURPOSE_WORDS: Record<Purpose, string> = {
  review: 'Reviewing your enrollment and evidence',
  support: 'Support from the platform’s staff',
  funding_oversight: 'Overseeing the funding of your training',
  state_reporting: 'WIOA report to the state',
  verification: 'Verifying your certificate',
  course_delivery: 'Delivering your course',
  revenue_reconciliation: 'Accounting for your payment',
};

/**
 * The student's My data page (/student/my-data): who has seen their record, newest first, a page at a time (the same
 * read model as GET /api/me/disclosures).
 */
export function privacyPages({ db, config }: CoreDeps, render: Render): Router {
  const router = Router();

  router.get('/my-data', async (req, res) => {
    const q = parse(disclosuresQuery, { offset: req.query.offset, limit: PAGE_SIZE }, 'query');
    const { items, total } = await listDisclosures(db, consoleActor(req).id, q);
    render(req, res, 'student/my-data', {
      title: 'My data',
      fmt,
      privacy: await privacyRequestsPanel(db, consoleActor(req), config.publicBaseUrl),
      total,
      from: items.length ? q.offset + 1 : 0,
      to: q.offset + items.length,
      entries: items.map((d) => ({
        at: d.at,
        who: d.actor.name,
        whoRole: READER_WORDS[d.actor.role],
        organization: d.actor.organizationId,
        what: `${d.record.via.charAt(0).toUpperCase()}${d.record.via.slice(1)}`,
        fields: d.record.fields.join(', '),
        why: PURPOSE_WORDS[d.purpose],
        disclosure: d.disclosure,
      })),
      pager: {
        previous: q.offset > 0 ? withQuery('/student/my-data', { offset: Math.max(0, q.offset - PAGE_SIZE) || undefined }) : null,
        next: q.offset + items.length < total ? withQuery('/student/my-data', { offset: q.offset + PAGE_SIZE }) : null,
      },
    });
  });

  return router;
}
