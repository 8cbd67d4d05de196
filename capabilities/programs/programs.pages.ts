import { type Request, type Response, Router } from 'express';
import { consoleActor } from '../../console/access';
import { requireCsrf } from '../../console/csrf';
import { type FieldErrors, parseForm, redirectWithSuccess, refusalErrors, typedValues } from '../../console/forms';
import { fmt } from '../../console/format';
import type { Render } from '../../console/render';
import type { CoreDeps } from '../../core/deps';
import { parse, refuse } from '../../core/refusals';
import { idParam } from '../../core/schemas';
import { TRAINING_SERVICE_CODES, TRAINING_SERVICE_TYPE_TO_PIRL } from '../../lib/pirl';
import {
  CREDENTIAL_TYPES,
  DEFAULT_MOVE_ON,
  DEFAULT_TRAINING_SERVICE_TYPE,
  MOVE_ON_RULES,
  TRAINING_SERVICE_TYPES,
  type TrainingServiceType,
} from '../../lib/program-rules';
import { createProgram } from './create-program';
import { archivedProgramIds, findProgram, listPartners, listPrograms, programHolderChoices } from './queries';
import { setProgramArchived, updateProgram } from './update-program';
import { createProgramForm, editProgramForm } from './schemas';

/** The program form's fields under the JSON body's names (price in dollars, shares in percent). */
const PROGRAM_FIELDS = {
  priceCents: 'price',
  'revenueShare.platformBps': 'platformShare',
  'revenueShare.holderBps': 'holderShare',
  'revenueShare.partnerBps': 'partnerShare',
  revenueShare: 'revenueShare',
};

/** The cmi5 moveOn rules in words. */
const MOVE_ON_LABELS: Record<(typeof MOVE_ON_RULES)[number], string> = {
  Completed: 'Completed',
  Passed: 'Passed',
  CompletedAndPassed: 'Completed and passed',
  CompletedOrPassed: 'Completed or passed',
};

/** The types of training service in the PIRL's words, with their 1303 code: `Customized Training (05)`. */
const TRAINING_SERVICE_LABELS = Object.fromEntries(
  TRAINING_SERVICE_TYPES.map((t) => [
    t,
    `${TRAINING_SERVICE_CODES[TRAINING_SERVICE_TYPE_TO_PIRL[t]]} (${TRAINING_SERVICE_TYPE_TO_PIRL[t]})`,
  ]),
) as Record<TrainingServiceType, string>;

/** The admin's Programs page (/admin/programs): the catalog and the form that adds a program (POST /api/programs's command). */
export function programPages({ db }: CoreDeps, render: Render): Router {
  const router = Router();

  async function programsPage(req: Request, res: Response, form?: { values: Record<string, string>; errors: FieldErrors; status: number }) {
    const [programs, partners, holders, archived] = await Promise.all([
      listPrograms(db, { archived: true }),
      listPartners(db),
      programHolderChoices(db),
      archivedProgramIds(db),
    ]);
    /** A holder as staff know them: name and email, or (one who never signed in) their user id. */
    const holderLabel = (h: { id: string; name: string | null; email: string | null }) =>
      h.name || h.email ? [h.name, h.email && `<${h.email}>`].filter(Boolean).join(' ') : `${h.id} (has not signed in yet)`;
    render(
      req,
      res,
      'admin/programs',
      {
        title: 'Programs',
        fmt,
        programs,
        partners,
        holders: holders.map((h) => ({ value: h.id, label: holderLabel(h) })),
        holderNames: Object.fromEntries(holders.map((h) => [h.id, h.name ?? h.email ?? h.id])),
        archived: [...archived],
        credentialTypes: CREDENTIAL_TYPES,
        moveOnRules: MOVE_ON_RULES,
        moveOnLabels: MOVE_ON_LABELS,
        trainingServiceTypes: TRAINING_SERVICE_TYPES,
        trainingServiceLabels: TRAINING_SERVICE_LABELS,
        partnerNames: Object.fromEntries(partners.map((p) => [p.id, p.name])),
        values: form?.values ?? {
          moveOn: DEFAULT_MOVE_ON,
          trainingServiceType: DEFAULT_TRAINING_SERVICE_TYPE,
          deadlineDays: '90',
          currency: 'usd',
        },
        errors: form?.errors ?? {},
      },
      form?.status,
    );
  }

  router.get('/programs', (req, res) => programsPage(req, res));

  router.post('/programs', requireCsrf, async (req, res) => {
    const values = typedValues(req.body);
    const form = parseForm(createProgramForm, { currency: 'usd', ...values }, PROGRAM_FIELDS);
    if (form.errors) {
      // The rule is the JSON API's (basis points); the form speaks in percent.
      if (form.errors.revenueShare) form.errors.revenueShare = 'the three shares must add up to 100%';
      return programsPage(req, res, { values, errors: form.errors, status: 400 });
    }
    let program;
    try {
      program = await createProgram(db, consoleActor(req), form.data);
    } catch (err) {
      return programsPage(req, res, { values, ...refusalErrors(err, PROGRAM_FIELDS) });
    }
    await redirectWithSuccess(req, res, '/admin/programs', `Program “${program.title}” created; students can enroll in it now.`);
  });

  /** A program's page: what may change of it (editProgramForm), and Archive or Restore. */
  async function programPage(req: Request, res: Response, id: string, form?: { values: Record<string, string>; errors: FieldErrors }) {
    const program = await findProgram(db, id);
    if (!program) throw refuse.notFound(`program ${id}`);
    const values = form?.values ?? {
      title: program.title,
      partnerCourseId: program.partnerCourseId ?? '',
      price: (program.priceCents / 100).toFixed(2),
      credentialType: program.credentialType,
      trainingServiceType: program.trainingServiceType,
    };
    render(
      req,
      res,
      'admin/program',
      {
        title: program.title,
        fmt,
        program,
        values,
        errors: form?.errors ?? {},
        credentialTypes: CREDENTIAL_TYPES,
        trainingServiceTypes: TRAINING_SERVICE_TYPES,
        trainingServiceLabels: TRAINING_SERVICE_LABELS,
      },
      form ? 400 : 200,
    );
  }

  router.get('/programs/:id', async (req, res) => {
    const { id } = parse(idParam('id'), req.params, 'path');
    await programPage(req, res, id);
  });

  router.post('/programs/:id', requireCsrf, async (req, res) => {
    const { id } = parse(idParam('id'), req.params, 'path');
    const values = typedValues(req.body);
    const form = parseForm(editProgramForm, values, { priceCents: 'price' });
    if (form.errors) return programPage(req, res, id, { values, errors: form.errors });
    await updateProgram(db, consoleActor(req), id, form.data);
    await redirectWithSuccess(req, res, `/admin/programs/${id}`, `Program “${form.data.title}” saved; new enrollments get these terms.`);
  });

  for (const [verb, archived] of [
    ['archive', true],
    ['restore', false],
  ] as const) {
    router.post(`/programs/:id/${verb}`, requireCsrf, async (req, res) => {
      const { id } = parse(idParam('id'), req.params, 'path');
      await setProgramArchived(db, consoleActor(req), id, archived);
      const text = archived
        ? 'Program archived: it is out of the catalog and takes no new enrollment; its students carry on.'
        : 'Program restored: students can enroll in it again.';
      await redirectWithSuccess(req, res, `/admin/programs/${id}`, text);
    });
  }

  return router;
}
