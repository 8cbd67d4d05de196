import { z } from 'zod';
import { count, id, instant, named, uuid } from '../../core/schemas';

/** The AI tutor: a question about one program (`courseId`) or one of the student's enrollments (`enrollmentId`). */
export const TUTOR_MESSAGE_MAX = 4000;
export const tutorChatBody = z
  .object({
    message: z
      .string({ error: 'required, a string' })
      .trim()
      .min(1, 'must not be empty')
      .max(TUTOR_MESSAGE_MAX, `at most ${TUTOR_MESSAGE_MAX} characters`),
    courseId: id.optional(),
    enrollmentId: id.optional(),
    conversationId: id.optional(),
  })
  .refine((b) => b.courseId || b.enrollmentId, { path: ['courseId'], message: 'courseId or enrollmentId is required' });

const tutorUsage = z.object({ promptTokens: count, completionTokens: count });
export const tutorReplyResponse = named('TutorReply', z.object({ conversationId: uuid, reply: z.string(), usage: tutorUsage }));
export const conversationResponse = named(
  'Conversation',
  z.object({
    conversationId: uuid,
    courseId: uuid.nullable(),
    enrollmentId: uuid.nullable(),
    messages: z.array(z.object({ role: z.enum(['user', 'assistant']), content: z.string(), createdAt: instant })),
  }),
);

/** The student's consent to sending tutor messages to the model provider, and the notice of what is sent. */
export const tutorConsentResponse = named(
  'TutorConsent',
  z.object({
    consented: z.boolean(),
    givenAt: instant.nullable().describe('When the consent in force was given'),
    noticeVersion: z.string().nullable().describe('The version of the notice the consent in force was given under'),
    withdrawnAt: instant.nullable().describe('When the newest consent was withdrawn'),
    notice: z
      .object({
        version: z.string(),
        provider: z.string().describe('Where the model provider is (its host)'),
        sent: z.array(z.string()).describe('What a question sends'),
        notSent: z.array(z.string()).describe('What is never sent'),
      })
      .describe('What the tutor sends to the model provider: shown before asking for consent'),
  }),
);
