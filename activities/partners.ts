import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Db } from '../db/pool';
import { createOutboundGuard, outboundPolicy } from '../lib/outbound-guard';
import {
  createPartnerAdapter,
  type PartnerAdapter,
  type PartnerAdapterOptions,
  type PartnerRecord,
  RegistrationUnknownError,
} from '../services/partner-adapter';
import { FailureType, type PartnerCompletionCheck } from '../workflows/messages';
import { type ActivityDeps, selectEnrollmentJoined } from './deps';
import { partnerReader, READS, recordReads } from '../capabilities/privacy/disclosures';

/** A partner's row with its API settings, as the worker and the partner activities read it. */
export interface PartnerRow extends PartnerRecord {
  name: string;
  pollIntervalSeconds: number;
  rateLimitPerSecond: number;
}

const PARTNER_COLUMNS = `pa.id AS partner_id, pa.name AS partner_name, pa.launch_url_template, pa.api_base_url, pa.api_credential_env,
  pa.field_map, pa.poll_interval_seconds, pa.rate_limit_per_second`;

/** The columns of PARTNER_COLUMNS: one partner and its API settings. */
interface PartnerColumnsRow {
  partner_id: string;
  partner_name: string;
  launch_url_template: string;
  api_base_url: string | null;
  api_credential_env: string | null;
  /** jsonb as stored; parseFieldMap validates it when the adapter is made. */
  field_map: unknown;
  poll_interval_seconds: number;
  rate_limit_per_second: number;
}

/** An enrollment, its program's course id at the partner, and the partner (PARTNER_COLUMNS). */
interface PartnerEnrollmentRow extends PartnerColumnsRow {
  id: string;
  partner_external_id: string | null;
  program_id: string;
  partner_course_id: string | null;
}

const partnerRow = (r: PartnerColumnsRow): PartnerRow => ({
  id: r.partner_id,
  name: r.partner_name,
  launchUrlTemplate: r.launch_url_template,
  apiBaseUrl: r.api_base_url,
  apiCredentialEnv: r.api_credential_env,
  fieldMap: r.field_map,
  pollIntervalSeconds: r.poll_interval_seconds,
  rateLimitPerSecond: r.rate_limit_per_second,
});

/** The partners the platform polls (those with an API), each with its own task queue and rate limit. */
export async function listPolledPartners(db: Db): Promise<PartnerRow[]> {
  const { rows } = await db.query<PartnerColumnsRow>(
    `SELECT ${PARTNER_COLUMNS} FROM partners pa WHERE pa.api_base_url IS NOT NULL ORDER BY pa.id`,
  );
  return rows.map(partnerRow);
}

interface PartnerEnrollment {
  enrollmentId: string;
  courseId: string;
  externalId: string | null;
  partner: PartnerRow;
}

async function loadPartnerEnrollment(db: Db, enrollmentId: string): Promise<PartnerEnrollment> {
  const r = await selectEnrollmentJoined<PartnerEnrollmentRow>(
    db,
    `e.id, e.partner_external_id, p.id AS program_id, p.partner_course_id, ${PARTNER_COLUMNS}`,
    enrollmentId,
  );
  return {
    enrollmentId: r.id,
    courseId: r.partner_course_id ?? r.program_id,
    externalId: r.partner_external_id,
    partner: partnerRow(r),
  };
}

export interface PartnerActivityOptions {
  /** Where partner credentials are read from (the variable named by api_credential_env); process.env by default. */
  env?: NodeJS.ProcessEnv;
  timeouts?: PartnerAdapterOptions['timeouts'];
}

/** The activity's cancellation (worker shutdown, a cancelled workflow) also aborts the partner request. */
function activitySignal(): AbortSignal | undefined {
  try {
    return Context.current().cancellationSignal;
  } catch {
    return undefined; // called outside an activity (a plain function call in a test)
  }
}

export function createPartnerActivities(
  { db, publicBaseUrl, partnerAnswerMaxBytes, outbound = createOutboundGuard({ policy: outboundPolicy('production') }) }: ActivityDeps,
  options: PartnerActivityOptions = {},
) {
  const adapterFor = (partner: PartnerRow): PartnerAdapter =>
    createPartnerAdapter(partner, {
      publicBaseUrl,
      outbound,
      env: options.env,
      timeouts: options.timeouts,
      maxAnswerBytes: partnerAnswerMaxBytes,
    });

  /** Registers the learner with a partner that has an API and keeps the partner's learner id (same id: no change). */
  async function register(e: PartnerEnrollment, adapter: PartnerAdapter) {
    if (!adapter.register) throw new Error(`partner ${e.partner.id} has no registration API`);
    // The partner receives the enrollment id: recorded before it is sent (a retried registration is sent, and recorded, again).
    await recordReads(db, partnerReader(e.partner), READS.partnerRegistration, [{ enrollmentId: e.enrollmentId }]);
    const { externalId } = await adapter.register({ enrollmentId: e.enrollmentId, courseId: e.courseId }, activitySignal());
    if (externalId !== e.externalId) {
      try {
        await db.query(
          'UPDATE enrollments SET partner_external_id = $2, updated_at = now() WHERE id = $1 AND partner_external_id IS DISTINCT FROM $2',
          [e.enrollmentId, externalId],
        );
      } catch (err) {
        if ((err as { code?: string }).code === '23505') {
          throw ApplicationFailure.create({
            message: `partner ${e.partner.id} gave learner id ${externalId} to enrollment ${e.enrollmentId}, but another enrollment of the program has it`,
            type: FailureType.partnerGarbage,
            nonRetryable: true,
          });
        }
        throw err;
      }
    }
    return externalId;
  }

  return {
    /**
     * Where to send the student. A partner with an API first registers the learner (idempotent: the enrollment
     * id is the registration) and its learner id is kept on the enrollment for pushes and polls.
     */
    async launchAtPartner({ enrollmentId }: { enrollmentId: string }): Promise<{ launchUrl: string }> {
      const e = await loadPartnerEnrollment(db, enrollmentId);
      const adapter = adapterFor(e.partner);
      const externalId = adapter.register ? await register(e, adapter) : (e.externalId ?? undefined);
      return { launchUrl: await adapter.launchUrl({ enrollmentId, courseId: e.courseId, externalId }) };
    },

    /**
     * Asks the enrollment's partner whether the learner has finished. Runs on the partner's own task queue, whose
     * workers hold the partner's rate limit. An outage is an ordinary (retryable) failure; an unreadable answer
     * fails with type PartnerAnswerUnreadable. A partner that has forgotten the learner is registered again.
     */
    async checkPartnerCompletion({ enrollmentId }: { enrollmentId: string }): Promise<PartnerCompletionCheck> {
      const e = await loadPartnerEnrollment(db, enrollmentId);
      const adapter = adapterFor(e.partner);
      if (!adapter.checkCompletion) {
        throw ApplicationFailure.create({
          message: `partner ${e.partner.id} has no completion API (no api_base_url); its enrollments are not polled`,
          type: FailureType.partnerUnavailable,
          nonRetryable: true,
        });
      }
      try {
        return await adapter.checkCompletion({ enrollmentId, externalId: e.externalId ?? undefined }, activitySignal());
      } catch (err) {
        if (!(err instanceof RegistrationUnknownError) || !adapter.register) throw err;
        // Launched before the partner had an API, or the partner lost it: register now; a new learner has not finished.
        await register(e, adapter);
        return { completed: false };
      }
    },
  };
}
