import type { Db } from '../db/pool';
import type { WebhookDispatcher } from '../db/webhook-outbox';
import type { ResolveHost } from '../lib/webhook-urls';
import type { Config } from '../lib/config';
import type { FileStore } from '../services/file-store';
import type { TutorModel } from '../services/tutor-model';
import type { Authenticator } from './auth';
import type { EnrollmentClient } from './enrollment-client';

export interface ApiDeps {
  config: Config;
  db: Db;
  files: FileStore;
  enrollments: EnrollmentClient;
  authenticate: Authenticator;
  /** Resolves when the Temporal service answers; for /readyz. */
  temporalHealth: () => Promise<unknown>;
  /** The AI tutor's model; absent when none is configured (no OPENAI_API_KEY): the tutor answers 503. */
  tutor?: TutorModel;
  /** Outbound webhooks: wakes delivery workflows (absent: the sweep does), and resolves endpoints' host names. */
  webhooks?: { dispatcher?: WebhookDispatcher; resolve?: ResolveHost };
}
