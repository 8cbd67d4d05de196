import { Router } from 'express';
import { consoleActor } from '../../console/access';
import { withQuery } from '../../console/forms';
import { localeOf } from '../../console/locale';
import type { Render } from '../../console/render';
import type { CoreDeps } from '../../core/deps';
import { parse } from '../../core/refusals';
import { CATALOGS, type MessageId, translator } from '../../lib/i18n';
import { privacyRequestsPanel } from './privacy-requests.pages';
import { listDisclosures } from './queries';
import { disclosuresQuery } from './schemas';

const PAGE_SIZE = 50;
const capitalized = (s: string) => `${s.charAt(0).toUpperCase()}${s.slice(1)}`;

/**
 * The student's My data page (/student/my-data): who has seen their record, newest first, a page at a time (the same
 * read model as GET /api/me/disclosures).
 */
export function privacyPages({ db, config }: CoreDeps, render: Render): Router {
  const router = Router();

  router.get('/my-data', async (req, res) => {
    const q = parse(disclosuresQuery, { offset: req.query.offset, limit: PAGE_SIZE }, 'query');
    const { items, total } = await listDisclosures(db, consoleActor(req).id, q);
    const i18n = translator(localeOf(req));
    // The log keeps its read paths and fields in English words; each is said in the page's language when known.
    // (Said once per page: a page of 50 entries names the same few.)
    const said = new Map<string, string>();
    const read = (words: string) => {
      let text = said.get(words);
      if (text === undefined) said.set(words, (text = `read.${words}` in CATALOGS.en ? i18n.t(`read.${words}` as MessageId) : words));
      return text;
    };
    render(req, res, 'student/my-data', {
      title: i18n.t('student.myData.title'),
      privacy: await privacyRequestsPanel(db, consoleActor(req), config.publicBaseUrl),
      total,
      from: items.length ? q.offset + 1 : 0,
      to: q.offset + items.length,
      entries: items.map((d) => ({
        at: d.at,
        who: d.actor.name,
        whoRole: i18n.t(`student.reader.${d.actor.role}`),
        organization: d.actor.organizationId,
        what: capitalized(read(d.record.via)),
        fields: d.record.fields.map(read).join(', '),
        why: i18n.t(`student.purpose.${d.purpose}`),
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
