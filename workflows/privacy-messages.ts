/**
 * The privacy workflows' contract (workflows/privacy.ts): their ids and inputs, and the erasure's steps, shared by the
 * starter (services/privacy-jobs.ts), the workflows, the activities and the tests. Inputs carry a row's id alone: the
 * student's name and email never enter a workflow's history.
 */

/** A student's data export: builds the ZIP, emails the student, removes it when it expires. */
export const dataExportWorkflowId = (exportId: string): string => `data-export:${exportId}`;
/** An approved erasure request, carried out step by step. */
export const erasureWorkflowId = (requestId: string): string => `erasure:${requestId}`;

/**
 * How the core starts these workflows (services/privacy-jobs.ts; API tests run the activities in process instead).
 * Starting one again is harmless: each workflow's id is its row's.
 */
export interface PrivacyJobs {
  /** Builds the export (data_exports row `exportId`), emails the student, and expires it after RETENTION_EXPORTS (7 days). */
  startExport(exportId: string): Promise<void>;
  /** Carries out the approved erasure request `requestId`. */
  startErasure(requestId: string): Promise<void>;
}

export interface DataExportInput {
  exportId: string;
}

export interface ErasureInput {
  requestId: string;
}

/**
 * The erasure's steps, in order, each an activity of activities/erasure.ts: sessions first (the student is signed out
 * before anything else changes), the enrollments next (every later step finds the student's records by the
 * pseudonym as well as by the id), the student's own row and the sweep for the email last.
 */
export const ERASURE_STEPS = [
  'eraseSessions',
  'eraseEnrollments',
  'eraseSubmissions',
  'eraseCertificateFiles',
  'eraseTutor',
  'eraseEmails',
  'eraseVouchers',
  'eraseXapi',
  'eraseLti',
  'eraseAuditDetails',
  'eraseDisclosures',
  'eraseWebhookBodies',
  'eraseRequestTraces',
  'eraseExports',
  'eraseStudentRecord',
  'eraseWorkflowHistories',
  'eraseEmailEverywhere',
] as const;
export type ErasureStep = (typeof ERASURE_STEPS)[number];

/** What a finished erasure workflow returns: counts only. */
export interface ErasureOutcome {
  requestId: string;
  erased: number;
  kept: number;
}
