import type { QueryResultRow } from 'pg';
import type { Db } from '../db/pool';
import { DEFAULT_LOCALE, isLocale, type Locale, translator } from '../lib/i18n';
import type { OutboundGuard } from '../lib/outbound-guard';
import type { RetentionSettings } from '../lib/retention-config';
import type { SecretsAtRest } from '../lib/secrets-at-rest';
import type { FileStore } from '../services/file-store';
import type { Mailer } from '../services/mailer';
import type { PaymentProvider } from '../services/payment-provider';
import type { TutorModel } from '../services/tutor-model';
import type { CredentialSigner } from '../services/credentials';
import type { WorkflowHistories } from '../services/workflow-histories';
import type { WebhookActivityDeps } from './webhooks';

/** What activities reach the outside world through; tests pass fakes or stand-ins to the same factory. */
export interface ActivityDeps {
  db: Db;
  files: FileStore;
  payments: PaymentProvider;
  mailer: Mailer;
  publicBaseUrl: string;
  /** The AI tutor writes the nudges when present; without it (or when it fails) they use a fixed template. */
  tutor?: TutorModel;
  /** How long a nudge waits for the tutor before using the template (default 15 s). */
  tutorTimeoutMs?: number;
  /** What partner API calls go through (the configuration's URL policy); without it, production's policy. */
  outbound?: OutboundGuard;
  /** The most of one partner API answer that is read (PARTNER_RESPONSE_MAX_BYTES). */
  partnerAnswerMaxBytes?: number;
  /** Webhook delivery: how facts wake their deliveries, and how attempts are sent (activities/webhooks.ts). */
  webhooks?: WebhookActivityDeps;
  /** The platform's credential signing key, for the signed credentials in a student's data export (absent: none). */
  credentials?: { signer: () => Promise<CredentialSigner>; issuerName: string };
  /** Removes the closed workflows of an erased student from Temporal (absent: their histories stay until retention). */
  workflowHistories?: WorkflowHistories;
  /** Opens the webhook signing secrets (DATA_ENCRYPTION_KEY); without it, no webhook attempt can be signed. */
  secretsAtRest?: SecretsAtRest;
  /** The retention policy's periods and batch size (RETENTION_*); without it, their defaults. */
  retention?: RetentionSettings;
}

/** The facts about one enrollment that outcomes need: who, what program, which partner. Read once per activity. */
export interface EnrollmentContext {
  enrollmentId: string;
  studentId: string;
  studentName: string;
  studentEmail: string | null;
  fundingSource: string;
  createdAt: Date;
  launchedAt: Date | null;
  programId: string;
  programTitle: string;
  credentialType: string;
  holderId: string;
  bps: { platform: number; holder: number; partner: number };
  partnerId: string;
  partnerName: string;
  partnerCourseId: string;
  launchUrlTemplate: string;
  /** The language the student reads (their pages' last): their emails and certificate are written in it. */
  locale: Locale;
}

/** One enrollment joined with its program and the program's partner, as `loadEnrollmentContext` selects it. */
interface EnrollmentContextRow {
  id: string;
  student_id: string;
  student_name: string | null;
  student_email: string | null;
  funding_source: string;
  created_at: Date;
  launched_at: Date | null;
  program_id: string;
  title: string;
  credential_type: string;
  holder_id: string;
  platform_bps: number;
  holder_bps: number;
  partner_bps: number;
  partner_course_id: string | null;
  partner_id: string;
  partner_name: string;
  launch_url_template: string;
  locale: string | null;
}

/**
 * One enrollment (e) joined with its program (p) and the program's partner (pa), `columns` selected; throws when the
 * enrollment is not in the database.
 */
export async function selectEnrollmentJoined<R extends QueryResultRow>(db: Db, columns: string, enrollmentId: string): Promise<R> {
  const { rows } = await db.query<R>(
    `SELECT ${columns}
       FROM enrollments e JOIN programs p ON p.id = e.program_id JOIN partners pa ON pa.id = p.partner_id
      WHERE e.id = $1`,
    [enrollmentId],
  );
  const r = rows[0];
  if (!r) throw new Error(`enrollment ${enrollmentId} is not in the database`);
  return r;
}

export async function loadEnrollmentContext(db: Db, enrollmentId: string): Promise<EnrollmentContext> {
  const r = await selectEnrollmentJoined<EnrollmentContextRow>(
    db,
    `e.id, e.student_id, e.student_name, e.student_email, e.funding_source, e.created_at, e.launched_at,
     p.id AS program_id, p.title, p.credential_type, p.holder_id, p.platform_bps, p.holder_bps, p.partner_bps,
     p.partner_course_id, pa.id AS partner_id, pa.name AS partner_name, pa.launch_url_template,
     (SELECT s.locale FROM students s WHERE s.id = e.student_id) AS locale`,
    enrollmentId,
  );
  const locale = isLocale(r.locale) ? r.locale : DEFAULT_LOCALE;
  return {
    enrollmentId: r.id,
    studentId: r.student_id,
    studentName: r.student_name ?? translator(locale).t('email.studentFallback'),
    studentEmail: r.student_email,
    fundingSource: r.funding_source,
    createdAt: r.created_at,
    launchedAt: r.launched_at,
    programId: r.program_id,
    programTitle: r.title,
    credentialType: r.credential_type,
    holderId: r.holder_id,
    bps: { platform: r.platform_bps, holder: r.holder_bps, partner: r.partner_bps },
    partnerId: r.partner_id,
    partnerName: r.partner_name,
    partnerCourseId: r.partner_course_id ?? r.program_id,
    launchUrlTemplate: r.launch_url_template,
    locale,
  };
}
