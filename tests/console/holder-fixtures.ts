/**
 * Test data for the program holder's console, made as the product makes it: programs by an admin and enrollments by
 * students over the JSON API, status changes projected by the workflow's own activities. `projectWorkflow` makes the
 * fake enrollment client write the read model as the workflow's handlers do (evidence, reviews, a holder's mark), so a
 * page shows what the workflow would have written.
 */
import { randomUUID } from 'node:crypto';
import type { CompletionMethod, EnrollmentState, EnrollmentStatus } from '../../workflows/messages';
import type { ApiApp, Session } from '../helpers/api-app';
import type { Created, OpenedEnrollment } from '../helpers/contract';

export const PDF = Buffer.from('%PDF-1.4\n% a stand-in: the API checks the first bytes only\n%%EOF\n');
/** The 8-byte PNG signature and a 1×1 image's chunks (enough for the type check). */
export const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6300010000050001' +
    '0d0a2db40000000049454e44ae426082',
  'hex',
);
const DAY_MS = 86_400_000;

export function holderFixtures(app: ApiApp) {
  /** The next status of an enrollment, as the workflow's projection writes it (the next `seq`). */
  async function project(
    enrollmentId: string,
    status: EnrollmentStatus,
    facts: { paidAt?: string; launchedAt?: string; completedAt?: string; completionMethod?: CompletionMethod } = {},
  ) {
    const {
      rows: [e],
    } = await app.db.query<{ status_seq: number }>('SELECT status_seq FROM enrollments WHERE id = $1', [enrollmentId]);
    await app.activities.recordEnrollmentStatus({ enrollmentId, seq: e.status_seq + 1, status, at: new Date().toISOString(), ...facts });
  }

  const state = (enrollmentId: string, status: EnrollmentStatus, patch: Partial<EnrollmentState> = {}): EnrollmentState => ({
    enrollmentId,
    status,
    fundingSource: 'self_pay',
    currency: 'usd',
    submissions: [],
    history: [],
    ...patch,
  });

  return {
    project,

    /** The fake client answers and writes the read model as the workflow's handlers would. */
    projectWorkflow() {
      app.enrollments.on('submitEvidence', async (enrollmentId, s) => {
        const submittedAt = new Date().toISOString();
        await app.activities.recordSubmission({ ...s, enrollmentId, submittedAt });
        await project(enrollmentId, 'awaiting_review');
        return { id: s.submissionId, status: 'pending', completedAt: s.completedAt, submittedAt };
      });
      app.enrollments.on('approve', async (enrollmentId, submissionId, reviewerId) => {
        const {
          rows: [s],
        } = await app.db.query<{ completed_at: Date }>('SELECT completed_at FROM completion_submissions WHERE id = $1', [submissionId]);
        const completedAt = s.completed_at.toISOString();
        await app.activities.recordSubmissionReview({ submissionId, status: 'approved', reviewerId, reviewedAt: new Date().toISOString() });
        await app.activities.recordCompletionEvidence({
          enrollmentId,
          method: 'student_upload',
          reportId: submissionId,
          completedAt,
          reportedBy: reviewerId,
          outcome: 'applied',
        });
        await project(enrollmentId, 'completed', { completedAt, completionMethod: 'student_upload' });
        return state(enrollmentId, 'completed', { completedAt, completionMethod: 'student_upload' });
      });
      app.enrollments.on('reject', async (enrollmentId, submissionId, reviewerId, reason) => {
        await app.activities.recordSubmissionReview({
          submissionId,
          status: 'rejected',
          reviewerId,
          reason,
          reviewedAt: new Date().toISOString(),
        });
        await app.activities.sendSubmissionRejectedEmail({ enrollmentId, submissionId, reason });
        await project(enrollmentId, 'in_progress');
        return state(enrollmentId, 'in_progress');
      });
      app.enrollments.on('markComplete', async (enrollmentId, mark) => {
        await app.activities.recordCompletionEvidence({
          enrollmentId,
          method: 'manual',
          reportId: `mark:${randomUUID()}`,
          completedAt: mark.completedAt,
          reportedBy: mark.markedBy,
          evidenceUrl: mark.certificateUrl,
          notes: mark.notes,
          proof: mark.proof,
          outcome: 'applied',
        });
        await project(enrollmentId, 'completed', { completedAt: mark.completedAt, completionMethod: 'manual' });
        return state(enrollmentId, 'completed', { completedAt: mark.completedAt, completionMethod: 'manual' });
      });
    },

    /** A program of `holder`'s, created by an admin over the JSON API. */
    async programOf(holder: Session, title: string, deadlineDays = 30): Promise<string> {
      const admin = await app.token('admin');
      const res = await app.request<Created>('POST', '/api/programs', {
        token: admin.token,
        json: {
          title,
          partnerId: 'nrf',
          priceCents: 10_000,
          currency: 'usd',
          holderId: holder.actor.id,
          revenueShare: { platformBps: 2000, holderBps: 6000, partnerBps: 2000 },
          credentialType: 'other',
          deadlineDays,
        },
      });
      expect(res.status).toBe(201);
      return res.body.id;
    },

    /** A self-paid enrollment of a new student (`name`, `email`) opened over the JSON API: pending payment. */
    async enrolled(
      programId: string,
      name: string,
      email = `${name.toLowerCase().replace(/\W+/g, '.')}.${randomUUID().slice(0, 6)}@example.com`,
    ) {
      const student = await app.token('student', { name, email });
      const res = await app.request<OpenedEnrollment>('POST', '/api/enrollments', {
        token: student.token,
        json: { programId, fundingSource: 'self_pay' },
      });
      expect(res.status).toBe(201);
      return { student, enrollmentId: res.body.enrollmentId };
    },

    /** Paid `paidDaysAgo` days ago and launched: in progress. */
    async inProgress(programId: string, name: string, paidDaysAgo = 1) {
      const opened = await this.enrolled(programId, name);
      const paidAt = new Date(Date.now() - paidDaysAgo * DAY_MS).toISOString();
      await project(opened.enrollmentId, 'ready_to_launch', { paidAt });
      await project(opened.enrollmentId, 'in_progress', { launchedAt: paidAt });
      return opened;
    },

    /** In progress, then the student uploads `file` over the JSON API (projectWorkflow first): awaiting review. */
    async uploaded(programId: string, name: string, file: Buffer = PDF, completedAt = '2024-05-01') {
      const opened = await this.inProgress(programId, name, 3);
      const form = new FormData();
      form.set('completedAt', completedAt);
      form.set('file', new Blob([new Uint8Array(file)]), 'certificate.pdf');
      const res = await app.request<{ submissionId: string }>('POST', `/api/enrollments/${opened.enrollmentId}/completion-submissions`, {
        token: opened.student.token,
        body: form,
      });
      expect(res.status).toBe(202);
      return { ...opened, submissionId: res.body.submissionId };
    },
  };
}
