/**
 * A student whose name and email are in every place the platform keeps a person (for the export and the erasure
 * tests): a voucher issued to their email, a funded enrollment opened over HTTP (with an Idempotency-Key), its payment,
 * an upload of evidence (a file that prints the name), a review digest and a rejection that name them, the
 * tutor, an xAPI statement and an LTI score about them, console sessions, the partner's learner id, and, once
 * `complete` runs, the certificate, its email, the WIOA record and the ledger. Records are written through the API
 * where the fake enrollment client allows it, else through the workflow's real activities, else as the code that
 * writes them would.
 */
import { randomUUID } from 'node:crypto';
import { rememberProgramHolder } from '../../capabilities/programs/program-holder-contact';
import { ltiSubject } from '../../capabilities/completion/lti/lti';
import { DEMO_HOLDER_ID, SEEDED_PROGRAMS } from '../../db/seed';
import type { ApiApp, Session } from './api-app';
import type { OpenedEnrollment } from './contract';

export const DEMO = SEEDED_PROGRAMS.find((p) => p.partnerId === 'demo')!;

export interface RecordedStudent {
  student: Session;
  name: string;
  email: string;
  enrollmentId: string;
  submissionId: string;
  voucherNumber: string;
}

const iso = (msAgo = 0) => new Date(Date.now() - msAgo).toISOString();

/** A student with a unique name and email, enrolled (funded, in progress) with their records everywhere. */
export async function studentWithRecords(app: ApiApp, label = 'Quixote'): Promise<RecordedStudent> {
  const tag = randomUUID().replace(/-/g, '').slice(0, 10);
  const name = `${label} Zanzibar${tag}`;
  const email = `${label.toLowerCase()}.${tag}@example.org`;
  const student = await app.token('student', { name, email });
  const funder = await app.token('funder');
  const holder = await app.token('program_holder', { id: DEMO_HOLDER_ID, name: 'Demo Program Holder', email: 'holder@example.com' });
  const admin = await app.token('admin');

  const voucherNumber = `ITA-${tag}`;
  const voucher = await app.request('POST', '/api/vouchers', {
    token: funder.token,
    json: {
      number: voucherNumber,
      fundingSource: 'wioa_ita',
      studentEmail: email,
      amountCents: DEMO.priceCents,
      currency: 'usd',
      expiresOn: new Date(Date.now() + 60 * 86_400_000).toISOString().slice(0, 10),
    },
  });
  if (voucher.status !== 201) throw new Error(`voucher: ${voucher.status} ${JSON.stringify(voucher.body)}`);
  const opened = await app.request<OpenedEnrollment>('POST', '/api/enrollments', {
    token: student.token,
    json: { programId: DEMO.id, fundingSource: 'wioa_ita', voucherNumber },
    headers: { 'Idempotency-Key': `enroll-${tag}` },
  });
  if (opened.status !== 201) throw new Error(`enrollment: ${opened.status} ${JSON.stringify(opened.body)}`);
  const enrollmentId = opened.body.enrollmentId;
  await app.activities.recordPayment({
    enrollmentId,
    provider: 'wioa_ita',
    providerRef: `voucher:${enrollmentId}`,
    amountCents: DEMO.priceCents,
    currency: 'usd',
    paidAt: iso(),
    status: 'accepted',
    voucherNumber,
  });
  await app.advance(enrollmentId, 'in_progress', { launchedAt: iso() });
  // The partner knows the learner by their email.
  await app.db.query('UPDATE enrollments SET partner_external_id = $2 WHERE id = $1', [enrollmentId, email]);

  // Evidence that prints the name, a digest that names the student to the holder, a rejection that names them.
  const submissionId = randomUUID();
  const fileKey = `submissions/${enrollmentId}/${submissionId}.pdf`;
  const pdf = Buffer.from(`%PDF-1.4\n% Certificate of completion awarded to ${name} <${email}>\n`);
  await app.files.put(fileKey, pdf);
  await app.activities.recordSubmission({
    enrollmentId,
    submissionId,
    fileKey,
    contentType: 'application/pdf',
    sizeBytes: pdf.length,
    sha256: 'ab'.repeat(32),
    completedAt: iso(86_400_000),
    studentId: student.actor.id,
    submittedAt: iso(),
  });
  await app.advance(enrollmentId, 'awaiting_review');
  // The holder opens the enrollment to review it: an entry of the access and disclosure log.
  const reviewed = await app.request('GET', `/api/enrollments/${enrollmentId}`, { token: holder.token });
  if (reviewed.status !== 200) throw new Error(`the holder's read: ${reviewed.status} ${JSON.stringify(reviewed.body)}`);
  await rememberProgramHolder(app.db, holder.actor);
  // The holder's last digest an hour older, so this upload gets one of its own.
  await app.db.query(`UPDATE review_digests SET created_at = created_at - interval '1 hour' WHERE holder_id = $1`, [DEMO_HOLDER_ID]);
  await app.activities.sendReviewDigests();
  const reason = `The scan does not show ${name}'s name clearly; please upload it again`;
  const rejected = await app.request('POST', `/api/program-holder/submissions/${submissionId}/reject`, {
    token: holder.token,
    json: { reason },
  });
  if (rejected.status !== 200) throw new Error(`rejection: ${rejected.status} ${JSON.stringify(rejected.body)}`);
  await app.activities.recordSubmissionReview({ submissionId, status: 'rejected', reviewerId: DEMO_HOLDER_ID, reviewedAt: iso(), reason });
  await app.activities.sendSubmissionRejectedEmail({ enrollmentId, submissionId, reason });
  await app.advance(enrollmentId, 'in_progress');

  // The tutor: consent over the API; the exchange's rows as it writes them (no model is configured in API tests).
  const consent = await app.request('PUT', '/api/me/tutor-consent', { token: student.token });
  if (consent.status !== 204) throw new Error(`tutor consent: ${consent.status} ${JSON.stringify(consent.body)}`);
  const conversationId = randomUUID();
  await app.db.query('INSERT INTO tutor_conversations (id, student_id, program_id, enrollment_id) VALUES ($1, $2, $3, $4)', [
    conversationId,
    student.actor.id,
    DEMO.id,
    enrollmentId,
  ]);
  await app.db.query(`INSERT INTO tutor_messages (conversation_id, role, content) VALUES ($1, 'user', $2), ($1, 'assistant', $3)`, [
    conversationId,
    `Hi, I am ${name}; my email is ${email}. How do I finish module 3?`,
    `Hello ${name}! Open module 3 and...`,
  ]);
  await app.db.query(`INSERT INTO tutor_usage (student_id, day, requests, tokens) VALUES ($1, current_date, 1, 50)`, [student.actor.id]);

  // xAPI: a statement about the student's registration whose actor is them by name and mbox.
  const mbox = `mailto:${email}`;
  await app.db.query(
    `INSERT INTO xapi_statements (id, partner_id, enrollment_id, registration, verb, statement, agent_keys, related_agent_keys, activity_ids, related_activity_ids)
     VALUES ($1, 'demo', $2, $2, 'http://adlnet.gov/expapi/verbs/experienced', $3, $4, $4, $5, $5)`,
    [
      randomUUID(),
      enrollmentId,
      JSON.stringify({
        actor: { objectType: 'Agent', name, mbox },
        verb: { id: 'http://adlnet.gov/expapi/verbs/experienced' },
        object: { objectType: 'Activity', id: 'https://demo.example/course/module-3' },
        context: { registration: enrollmentId },
        timestamp: iso(),
      }),
      [`Agent|mbox|${mbox}`],
      ['https://demo.example/course/module-3'],
    ],
  );

  // LTI: a score the partner's tool posted about the learner.
  await app.db.query(
    `INSERT INTO lti_tools (id, partner_id, client_id, deployment_id, oidc_login_url, target_link_uri, redirect_uris, jwks_url, created_by)
     VALUES ($1, 'demo', $2, 'deployment-1', 'https://tool.example/login', 'https://tool.example/launch', '{https://tool.example/launch}',
             'https://tool.example/jwks', $3)
     ON CONFLICT (partner_id) DO NOTHING`,
    [randomUUID(), `client-${tag}`, admin.actor.id],
  );
  const userId = ltiSubject(student.actor.id);
  await app.db.query(
    `INSERT INTO lti_scores (id, enrollment_id, tool_id, user_id, score_given, score_maximum, activity_progress, grading_progress,
                             comment, score_timestamp, outcome, body)
     SELECT $1, $2, id, $3, 40, 100, 'InProgress', 'Pending', $4, now(), 'recorded', $5 FROM lti_tools WHERE partner_id = 'demo'`,
    [
      randomUUID(),
      enrollmentId,
      userId,
      `Keep going, ${name}`,
      JSON.stringify({ userId, scoreGiven: 40, scoreMaximum: 100, comment: `Keep going, ${name}`, activityProgress: 'InProgress' }),
    ],
  );

  // Console sessions: the student's own, and a holder's whose message names them.
  await app.db.query(
    `INSERT INTO console_sessions (sid, sess, expire) VALUES ($1, $2, now() + interval '1 hour'), ($3, $4, now() + interval '1 hour')`,
    [
      `s-${tag}`,
      JSON.stringify({ cookie: {}, actor: { id: student.actor.id, role: 'student', name, email } }),
      `h-${tag}`,
      JSON.stringify({ cookie: {}, actor: holder.actor, flash: { kind: 'success', text: `The evidence of ${name} is rejected.` } }),
    ],
  );
  return { student, name, email, enrollmentId, submissionId, voucherNumber };
}

/** Completes and closes the enrollment as the workflow would: certificate (PDF and email), WIOA record, ledger. */
export async function completeAndClose(app: ApiApp, enrollmentId: string) {
  const completedAt = iso(3_600_000);
  await app.advance(enrollmentId, 'completed', { completedAt, completionMethod: 'manual' });
  const cert = await app.activities.issueCertificate({ enrollmentId, completedAt });
  await app.activities.sendCompletionEmail({ enrollmentId, certificateId: cert.id, verificationCode: cert.verificationCode });
  await app.activities.recordWioaOutcome({ enrollmentId, completedAt });
  await app.activities.recordRevenueShare({ enrollmentId, basisCents: DEMO.priceCents, currency: 'usd' });
  await app.advance(enrollmentId, 'closed');
  return cert;
}
