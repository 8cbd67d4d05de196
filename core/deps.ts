import type { Db } from '../db/pool';
import type { WebhookDispatcher } from '../db/webhook-outbox';
import type { Config } from '../lib/config';
import { createOutboundGuard, type OutboundGuard, type ResolveHost } from '../lib/outbound-guard';
import type { FileStore } from '../services/file-store';
import type { TutorModel } from '../services/tutor-model';
import type { EnrollmentClient } from './enrollment-client';
import type { PrivacyJobs } from '../workflows/privacy-messages';

/** What the core's operations and queries are given, by whichever door calls them (the JSON API, the console). */
export interface CoreDeps {
  config: Config;
  db: Db;
  files: FileStore;
  enrollments: EnrollmentClient;
  /** The AI tutor's model; absent when none is configured (no OPENAI_API_KEY): the tutor answers 503. */
  tutor?: TutorModel;
  /** Outbound webhooks: wakes delivery workflows (absent: the sweep does). */
  webhooks?: { dispatcher?: WebhookDispatcher };
  /** Starts the data export and erasure workflows (absent: those requests answer 503). */
  privacyJobs?: PrivacyJobs;
  /** How the outbound guard resolves host names (tests answer what they need); the system resolver by default. */
  outbound?: { resolve?: ResolveHost };
}

/** The outbound guard under the configuration's policy: every URL the core checks or fetches for someone goes through it. */
export const outboundGuard = (deps: Pick<CoreDeps, 'config' | 'outbound'>): OutboundGuard =>
  createOutboundGuard({ policy: deps.config.outbound.policy, resolve: deps.outbound?.resolve });
