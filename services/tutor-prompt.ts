/** The tutor's words: what it is told about a program and an enrollment, and how much history it keeps. Pure. */
import type { CredentialType } from '../lib/program-rules';
import { estimateTokens, type TutorMessage } from './tutor-model';

/** What the tutor is told about the program: no ids, no personal data. */
export interface ProgramFacts {
  title: string;
  partnerName: string;
  credentialType: string;
}

/** The enrollment facts the tutor may use, from the workflow (live) or the read model (closed workflow). */
export interface EnrollmentFacts {
  status: string;
  launchedAt?: string;
  completedAt?: string;
  deadlineAt?: string;
  /** The newest submission still pending review: when it was sent. */
  pendingSince?: string;
  lastRejection?: { reason: string; at?: string };
  source: 'workflow' | 'read_model';
}

const CREDENTIALS: Record<CredentialType, string> = {
  occupational_certification: 'an occupational certification',
  occupational_certificate: 'an occupational certificate',
  occupational_licensure: 'an occupational licensure',
  other: 'a credential',
};

const STATUS_MEANING: Record<string, string> = {
  pending_payment: 'waiting for payment: the course opens once the checkout is paid',
  payment_expired: 'the payment window passed without a payment; the student can enroll again',
  ready_to_launch: 'paid or funded, ready to open the course at the partner (not launched yet)',
  in_progress: 'the course has been opened at the partner and no accepted completion has arrived yet',
  awaiting_review: 'the student uploaded completion evidence and it waits for the program holder’s review',
  completed: 'the completion was accepted; the certificate is being issued',
  closed: 'completed and closed: the certificate is issued',
  withdrawn: 'the student withdrew',
  expired: 'the deadline passed without a completion',
};

const DAY = 86_400_000;
const day = (iso: string) => iso.slice(0, 10);
function ago(iso: string, now: Date): string {
  const days = Math.floor((now.getTime() - new Date(iso).getTime()) / DAY);
  return days <= 0 ? 'today' : days === 1 ? '1 day ago' : `${days} days ago`;
}

/** The enrollment in plain sentences, for the system prompt and the nudges. */
export function describeEnrollment(f: EnrollmentFacts, now = new Date()): string[] {
  const lines = [`Enrollment status: ${f.status} (${STATUS_MEANING[f.status] ?? f.status}).`];
  lines.push(
    f.launchedAt
      ? `The student launched the course ${ago(f.launchedAt, now)} (on ${day(f.launchedAt)}).`
      : 'The student has not launched the course yet.',
  );
  if (f.pendingSince)
    lines.push(
      `Completion evidence was uploaded on ${day(f.pendingSince)} and is waiting for the program holder’s review; the enrollment is marked complete only once it is approved.`,
    );
  if (f.lastRejection)
    lines.push(
      `The program holder rejected the last evidence the student uploaded, with this reason: "${f.lastRejection.reason.replace(/\s+/g, ' ').slice(0, 500)}". The student can upload new evidence from the enrollment page.`,
    );
  if (f.deadlineAt && !f.completedAt) {
    const left = Math.ceil((new Date(f.deadlineAt).getTime() - now.getTime()) / DAY);
    lines.push(
      left >= 0
        ? `The deadline to complete is ${day(f.deadlineAt)} (${left} day${left === 1 ? '' : 's'} left).`
        : `The deadline (${day(f.deadlineAt)}) has passed.`,
    );
  }
  if (f.completedAt) lines.push(`The completion date on record is ${day(f.completedAt)}.`);
  return lines;
}

export function systemPrompt(program: ProgramFacts, enrollment: EnrollmentFacts | undefined, now = new Date()): string {
  return [
    'You are the AI tutor of a workforce-training marketplace. You help one student with the program below: studying,',
    'staying on track, and how their enrollment works (launching the course at the training partner, uploading completion',
    'evidence, review by the program holder, the certificate). Answer briefly and encouragingly, in the student’s language.',
    'Use only the facts given here about the enrollment; if something is not known, say so and point to the enrollment page',
    'or the program holder. Never invent dates, grades or decisions.',
    '',
    `Program: ${program.title}, delivered by the training partner ${program.partnerName}; it leads to ${CREDENTIALS[program.credentialType as CredentialType] ?? 'a credential'}.`,
    ...(enrollment
      ? describeEnrollment(enrollment, now)
      : ['The student has no enrollment in this program yet; they can enroll from the catalog.']),
    `Today is ${now.toISOString().slice(0, 10)}.`,
  ].join('\n');
}

/** The newest turns that fit in `budgetTokens` (estimated), oldest first; an older turn never follows a gap. */
export function trimHistory(history: TutorMessage[], budgetTokens: number): TutorMessage[] {
  const kept: TutorMessage[] = [];
  let used = 0;
  for (let i = history.length - 1; i >= 0; i--) {
    const cost = estimateTokens(history[i].content) + 4;
    if (used + cost > budgetTokens) break;
    used += cost;
    kept.unshift(history[i]);
  }
  // Start with a question, so the model never sees an answer without what it answered.
  while (kept.length && kept[0].role !== 'user') kept.shift();
  return kept;
}

/**
 * What a student is told, before their first question, that the tutor sends to the model provider: the facts the
 * system prompt above and `trimHistory` put in a request, and what they leave out. Change it (and its version, which
 * each consent record keeps) whenever the prompt sends something else.
 */
export const TUTOR_DATA_NOTICE = {
  version: '2026-05-1',
  sent: [
    'Your question; it is first checked by the provider’s moderation service.',
    'The earlier questions and answers of the same conversation (the newest that fit).',
    'The course: its title, its training partner and the kind of credential it leads to.',
    'Your enrollment in it: its status, when you launched and completed the course, your deadline, whether proof you uploaded waits for review, and the program holder’s reason if your last proof was not accepted.',
    'With your consent, the same course and enrollment facts and how many days ago you started (never your questions) also go to the provider to write the encouraging paragraph of your reminder emails.',
  ],
  notSent: ['Your name, your email address or any id', 'Your uploaded files, payments and vouchers'],
} as const;
