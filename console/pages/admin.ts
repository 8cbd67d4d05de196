import { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import { createProgram } from '../../capabilities/programs/create-program';
import { createPartnerApiKey, revokePartnerApiKey } from '../../capabilities/completion/partners/partner-api-keys';
import { revokeCertificate } from '../../capabilities/credentials/revoke-certificate';
import type { CoreDeps } from '../../core/deps';
import { auditActions, listAuditEntries } from '../../capabilities/audit/queries';
import { listPartners, listPrograms } from '../../capabilities/programs/queries';
import { findCertificate, recentCertificates } from '../../capabilities/credentials/queries';
import { findApiKey, listApiKeys } from '../../capabilities/completion/partners/queries';
import { apiKeyParams, partnerParams } from '../../capabilities/completion/partners/schemas';
import { createProgramForm } from '../../capabilities/programs/schemas';
import { etpReportQuery, revenueShareQuery, wioaReportQuery } from '../../capabilities/reports/schemas';
import { id, withoutBlanks } from '../../core/schemas';
import { revokeBody } from '../../capabilities/credentials/schemas';
import { parse, refuse } from '../../core/refusals';
import { DEMO_USERS } from '../../db/seed';
import { TRAINING_SERVICE_CODES, TRAINING_SERVICE_TYPE_TO_PIRL } from '../../lib/pirl';
import {
  CREDENTIAL_TYPES,
  DEFAULT_MOVE_ON,
  DEFAULT_TRAINING_SERVICE_TYPE,
  MOVE_ON_RULES,
  TRAINING_SERVICE_TYPES,
  type TrainingServiceType,
} from '../../lib/program-rules';
import { consoleActor, signedIn } from '../access';
import { requireCsrf } from '../csrf';
import { type FieldErrors, parseForm, redirectWithSuccess, refusalErrors, typedValues, withQuery } from '../forms';
import { fmt } from '../format';
import type { Render } from '../render';

const AUDIT_PAGE_SIZE = 50;
const RECENT_CERTIFICATES = 10;

/** The reports an admin downloads: each one's JSON API endpoint and the schema of its query (the endpoint's own). */
const REPORTS = {
  wioa: { endpoint: '/api/reports/wioa', query: wioaReportQuery },
  etp: { endpoint: '/api/reports/etp', query: etpReportQuery },
  'revenue-share': { endpoint: '/api/reports/revenue-share', query: revenueShareQuery },
} as const;
type ReportName = keyof typeof REPORTS;

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

/** A certificate is looked for by its verification code (any case) or its id. */
const certificateSearch = z.object({ q: z.string().trim().max(100).optional() });
/** The audit log's filter: one action, one actor, and the page (entries older than `before`). */
const auditQuery = z.preprocess(
  withoutBlanks,
  z.object({
    action: z.string().trim().max(100).optional(),
    actor: z.string().trim().max(200).optional(),
    before: z.coerce.number().int().positive().optional(),
  }),
);

/**
 * The admin's console: report downloads, partners and their API keys, programs, certificate revocation and the audit
 * log; the same commands, read-model queries and report endpoints as the JSON API.
 */
export function adminPages({ db, config, webhooks }: CoreDeps, render: Render): Router {
  const router = Router();
  router.use(signedIn('admin'));

  router.get('/', (_req, res) => res.redirect(303, '/admin/reports'));

  // ── Reports ────────────────────────────────────────────────────────────────────────────────────────────

  function reportsPage(req: Request, res: Response, form?: { report: ReportName; values: Record<string, string>; errors: FieldErrors }) {
    const today = new Date().toISOString().slice(0, 10);
    render(
      req,
      res,
      'admin/reports',
      {
        title: 'Reports',
        today,
        year: today.slice(0, 4),
        report: form?.report,
        values: form?.values ?? {},
        errors: form?.errors ?? {},
      },
      form ? 400 : 200,
    );
  }

  router.get('/reports', (req, res) => reportsPage(req, res));

  /**
   * A report form's download: its query checked with the endpoint's own schema (the errors shown on the form), then
   * the browser is sent to the JSON API's endpoint, which a console session may read. Blank dates are left out: the
   * report then covers everything up to today.
   */
  router.get('/reports/:report', (req, res) => {
    const name = req.params.report as ReportName;
    const report = Object.hasOwn(REPORTS, name) ? REPORTS[name] : undefined;
    if (!report) throw refuse.notFound(`the report ${req.params.report}`);
    const values = typedValues(req.query);
    const given = { from: values.from, to: values.to, year: values.year, format: values.format };
    const form = parseForm(report.query, withoutBlanks(given));
    if (form.errors) return reportsPage(req, res, { report: name, values, errors: form.errors });
    res.redirect(303, withQuery(report.endpoint, given));
  });

  // ── Partners and their API keys ────────────────────────────────────────────────────────────────────────

  router.get('/partners', async (req, res) => {
    const [partners, keys] = await Promise.all([listPartners(db), listApiKeys(db)]);
    render(req, res, 'admin/partners', {
      title: 'Partners',
      fmt,
      partners: partners.map((p) => ({ ...p, keys: keys.filter((k) => k.partner_id === p.id) })),
    });
  });

  /** Creates a key and shows it on this one answer: it is stored hashed, never in the session, and not shown again. */
  router.post('/partners/api-keys', requireCsrf, async (req, res) => {
    const { partnerId } = parse(partnerParams, req.body, 'body');
    const key = await createPartnerApiKey(db, consoleActor(req), partnerId);
    const partner = (await listPartners(db)).find((p) => p.id === partnerId);
    render(req, res, 'admin/api-key-created', { title: 'API key created', fmt, key, partnerName: partner?.name ?? partnerId }, 201);
  });

  /** The confirmation before a key is revoked: which key, of which partner, and that its partner's calls will fail. */
  router.get('/partners/:partnerId/api-keys/:id/revoke', async (req, res) => {
    const { partnerId, id: keyId } = parse(apiKeyParams, req.params, 'path');
    const key = await findApiKey(db, partnerId, keyId);
    if (!key) throw refuse.notFound(`API key ${keyId} of partner ${partnerId}`);
    const partner = (await listPartners(db)).find((p) => p.id === partnerId);
    render(req, res, 'admin/revoke-key', { title: 'Revoke API key', fmt, key, partnerName: partner?.name ?? partnerId });
  });

  router.post('/partners/:partnerId/api-keys/:id/revoke', requireCsrf, async (req, res) => {
    const { partnerId, id: keyId } = parse(apiKeyParams, req.params, 'path');
    await revokePartnerApiKey(db, consoleActor(req), partnerId, keyId);
    await redirectWithSuccess(
      req,
      res,
      '/admin/partners',
      `API key ${keyId.slice(0, 8)}… of ${partnerId} is revoked: calls with it are refused.`,
    );
  });

  // ── Programs ───────────────────────────────────────────────────────────────────────────────────────────

  async function programsPage(req: Request, res: Response, form?: { values: Record<string, string>; errors: FieldErrors; status: number }) {
    const [programs, partners] = await Promise.all([listPrograms(db), listPartners(db)]);
    render(
      req,
      res,
      'admin/programs',
      {
        title: 'Programs',
        fmt,
        programs,
        partners,
        holders: [...new Set([DEMO_USERS.program_holder.id, ...programs.map((p) => p.holderId)])],
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

  // ── Certificates ───────────────────────────────────────────────────────────────────────────────────────

  async function certificatesPage(
    req: Request,
    res: Response,
    q: string | undefined,
    form?: { values: Record<string, string>; errors: FieldErrors; status: number },
  ) {
    const byId = q && id.safeParse(q).success;
    const [certificate, recent] = await Promise.all([
      q ? findCertificate(db, byId ? { id: q } : { verificationCode: q.toUpperCase() }) : undefined,
      recentCertificates(db, RECENT_CERTIFICATES),
    ]);
    render(
      req,
      res,
      'admin/certificates',
      {
        title: 'Certificates',
        fmt,
        q: q ?? '',
        certificate,
        verifyUrl: certificate && `${config.publicBaseUrl}/verify/${certificate.verification_code}`,
        recent,
        values: form?.values ?? {},
        errors: form?.errors ?? {},
      },
      form?.status ?? (q && !certificate ? 404 : 200),
    );
  }

  router.get('/certificates', (req, res) => certificatesPage(req, res, parse(certificateSearch, req.query, 'query').q || undefined));

  router.post('/certificates/:certificateId/revoke', requireCsrf, async (req, res) => {
    const { certificateId } = parse(z.object({ certificateId: id }), req.params, 'path');
    const values = typedValues(req.body);
    const form = parseForm(revokeBody, values);
    if (form.errors) return certificatesPage(req, res, certificateId, { values, errors: form.errors, status: 400 });
    let revoked;
    try {
      revoked = await revokeCertificate(db, consoleActor(req), certificateId, form.data.reason, config.publicBaseUrl, webhooks?.dispatcher);
    } catch (err) {
      return certificatesPage(req, res, certificateId, { values, ...refusalErrors(err) });
    }
    await redirectWithSuccess(
      req,
      res,
      withQuery('/admin/certificates', { q: revoked.verificationCode }),
      `Certificate ${revoked.verificationCode} is revoked; its verification page and status list say so from now on.`,
    );
  });

  // ── Audit log ──────────────────────────────────────────────────────────────────────────────────────────

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
