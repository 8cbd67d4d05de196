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
