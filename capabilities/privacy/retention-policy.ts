/**
 * The retention policy (issue 23, item 4): what the platform deletes or pseudonymizes, after how long, and why. One
 * table, which the `retention` Schedule applies daily (workflows/retention.ts, capabilities/privacy/retention.ts) and
 * the README's Privacy: Retention table states; the periods come from the configuration (lib/retention-config.ts).
 *
 * What no rule touches, because the law keeps it: the ledger, payments, refunds and transfers (the books: 26 CFR
 * 1.6001-1), the WIOA participant records (PIRL 100 is the platform's own number), the enrollment rows and their
 * status history, the completion evidence rows, and each certificate's registry entry (employers verify it). Their
 * personal data is pseudonymized with the student; the rows stay.
 */

/** What a rule does to what it finds past its period. */
export type RetentionAction = 'delete' | 'delete file' | 'pseudonymize';

/** The rules, in the order a run applies them. */
export const RETENTION_RULES = [
  'sessions',
  'requestTraces',
  'tutorConversations',
  'evidenceFiles',
  'exports',
  'auditLog',
  'disclosureLog',
  'erasureRequests',
  'personalData',
] as const;
export type RetentionRuleId = (typeof RETENTION_RULES)[number];

export interface RetentionPolicyEntry {
  what: string;
  /** The variable that sets the period (lib/retention-config.ts), or the setting whose expiry is the period. */
  variable: string;
  /** What the period counts from. */
  after: string;
  action: RetentionAction;
  /** Why it is kept that long and no longer. */
  basis: string;
}

/** The policy, rule by rule, plus what Temporal keeps (the namespace's retention, set by deploy/temporal/setup.sh). */
export const RETENTION_POLICY: Record<RetentionRuleId | 'workflowHistories', RetentionPolicyEntry> = {
  sessions: {
    what: 'console sessions past their expiry',
    variable: 'SESSION_IDLE',
    after: 'the last request of the session',
    action: 'delete',
    basis: 'signed out, nothing left to keep (GDPR Art. 5(1)(e)); the session store also prunes them while an API runs',
  },
  requestTraces: {
    what: 'Idempotency-Keys with their stored answers, rate-limit counts (keyed by user or IP address), the tutor’s usage and rate windows, LTI single-use values',
    variable: 'RETENTION_REQUEST_TRACES',
    after: 'the key was made (and its lease is over), the window or the day ended, the value expired',
    action: 'delete',
    basis:
      'a retry comes within minutes and a budget counts one day (Stripe keeps its idempotency keys 24 hours); an IP address is personal data (GDPR recital 30) kept no longer than the limit needs',
  },
  tutorConversations: {
    what: 'AI tutor conversations and their messages',
    variable: 'RETENTION_TUTOR_CONVERSATIONS',
    after: 'the last message',
    action: 'delete',
    basis:
      'kept only to carry the conversation on, under the student’s consent (GDPR Art. 6(1)(a), 5(1)(e)); no law keeps them; a year covers a course from launch to its deadline. The consent records stay as evidence of the consent',
  },
  evidenceFiles: {
    what: 'evidence files: students’ uploads and holders’ certificate proofs (the row stays, with the review’s decision and the file’s SHA-256, type and size)',
    variable: 'RETENTION_EVIDENCE_FILES',
    after: 'the enrollment closed; a funded enrollment’s (WIOA or sponsor voucher) not before RETENTION_PERSONAL_DATA',
    action: 'delete file',
    basis:
      'FERPA (34 CFR 99) sets no period but forbids destroying a record under a pending request to inspect it (99.10(e)): a student whose export is being built is skipped. A funded enrollment’s file is source documentation of a reported WIOA outcome, kept as long as the award’s records (2 CFR 200.334); a self-paid one’s for three years, to settle a disputed completion, after which the decision and the certificate are the record',
  },
  exports: {
    what: 'data export ZIPs (the request’s row stays, the record that it was answered)',
    variable: 'RETENTION_EXPORTS',
    after: 'the export was ready',
    action: 'delete file',
    basis:
      'a copy made for the student to download (GDPR Art. 15 and 20, FERPA 99.10); the contract keeps the link 7 days. The export job removes it then; this rule is its backstop',
  },
  auditLog: {
    what: 'audit log entries',
    variable: 'RETENTION_AUDIT_LOG',
    after: 'the entry',
    action: 'delete',
    basis:
      'the trail of who did what to enrollment, award and financial records (GDPR Art. 5(2) and 30), kept as long as the award records it concerns (RETENTION_PERSONAL_DATA’s six years)',
  },
  disclosureLog: {
    what: 'access and disclosure log entries',
    variable: 'RETENTION_DISCLOSURE_LOG',
    after: 'the entry, and only once the student’s records no longer name them',
    action: 'delete',
    basis:
      'FERPA 34 CFR 99.32(a)(2): the record of disclosures is kept with the student’s education records as long as those are kept; an entry about a student whose records still name them stays however old',
  },
  erasureRequests: {
    what: 'finished erasure requests: a rejected one, and a completed one’s tie to the student’s id, with the tutor consent records kept under its pseudonym',
    variable: 'RETENTION_AUDIT_LOG',
    after: 'the request was rejected or completed',
    action: 'delete',
    basis:
      'GDPR Art. 5(2), 7(1) and 17: showing that the erasure was asked, decided and done, and that each tutor message had consent, for as long as the audit trail. A completed request then keeps only its pseudonym (its student id becomes it), so what the erasure kept is tied to no one',
  },
  personalData: {
    what: 'personal data of a student whose enrollments have all closed: names, emails, uploads, certificate PDFs, tutor, emails sent, sessions (the erasure’s steps)',
    variable: 'RETENTION_PERSONAL_DATA',
    after: 'the student’s last enrollment closed',
    action: 'pseudonymize',
    basis:
      '2 CFR 200.334 (DOL: 2 CFR 2900): records of a federal award are kept three years from the final expenditure report; WIOA funds can be spent in their program year and the two after (20 CFR 683.110), so that report can come three years after the training: six years after close covers it. State policy may ask longer: raise the variable. The ledger, payments, WIOA rows and the certificate’s registry entry stay, tied to a pseudonym',
  },
  workflowHistories: {
    what: 'Temporal workflow histories (enrollments, webhook deliveries, privacy jobs, these runs): ids and statuses only',
    variable: 'RETENTION_WORKFLOW_HISTORIES',
    after: 'the workflow closed',
    action: 'delete',
    basis:
      'deleted by Temporal: the namespace’s retention is set to this period (deploy/temporal/setup.sh). A month lets operators investigate a failed or disputed enrollment in the Web UI; the records themselves live in PostgreSQL',
  },
};
