import { Router } from 'express';
import { consoleActor } from '../../console/access';
import { blankAsUndefined, issueMessages } from '../../console/forms';
import type { Render } from '../../console/render';
import type { Actor } from '../../core/actor';
import type { CoreDeps } from '../../core/deps';
import { type OutcomeScope, FUNNEL_STAGES, funnelChart, programOutcomes } from './outcomes';
import { reportPeriodQuery } from './schemas';

/** Whose enrollments an Outcomes page counts: a holder's programs, a funder's vouchers, or (an admin) all. */
function scopeOf(actor: Actor): OutcomeScope {
  if (actor.role === 'program_holder') return { holderId: actor.id };
  if (actor.role === 'funder') return { organizationId: actor.organizationId ?? '(none)' };
  return {};
}

/** The first day of this year (UTC): an Outcomes page without dates shows the year so far. */
const yearStart = () => `${new Date().toISOString().slice(0, 4)}-01-01`;

/**
 * The Outcomes page (`/admin/outcomes`, `/funder/outcomes`, `/holder/outcomes`): per program, the funnel of a
 * period's enrollments and the completion and credential rates, as a chart and as a table beside it.
 */
export function outcomePages({ db }: CoreDeps, render: Render): Router {
  const router = Router();
  router.get('/outcomes', async (req, res) => {
    const actor = consoleActor(req);
    const raw = { from: blankAsUndefined(req.query.from) ?? yearStart(), to: blankAsUndefined(req.query.to) };
    const shown = { from: typeof raw.from === 'string' ? raw.from : '', to: typeof raw.to === 'string' ? raw.to : '' };
    const period = reportPeriodQuery.safeParse(raw);
    const base = `${req.baseUrl}/outcomes`;
    if (!period.success) {
      return render(
        req,
        res,
        'reports/outcomes',
        { title: 'Outcomes', action: base, period: shown, errors: issueMessages(period.error) },
        400,
      );
    }
    const outcomes = await programOutcomes(db, scopeOf(actor), period.data.from, period.data.to);
    render(req, res, 'reports/outcomes', {
      title: 'Outcomes',
      action: base,
      period: { from: period.data.from, to: period.data.to },
      errors: {},
      outcomes,
      stages: FUNNEL_STAGES,
      chart: funnelChart(outcomes),
      percent: (r: number | null) => (r === null ? '—' : `${(Math.round(r * 1000) / 10).toFixed(1)}%`),
    });
  });
  return router;
}
