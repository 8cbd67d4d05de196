import { z } from 'zod';
import { COMPLETION_METHODS, type SubmissionView } from '../../../workflows/messages';
import {
  completedAt,
  enrollmentStatus,
  httpUrl,
  id,
  instant,
  named,
  page,
  queryInteger,
  submissionStatus,
  uuid,
} from '../../../core/schemas';

export const submissionFields = z.object({ completedAt });

export const reviewQueueQuery = z.object({
  status: z.enum(['pending', 'approved', 'rejected'] as const satisfies readonly SubmissionView['status'][]).default('pending'),
  limit: queryInteger(1, 200).default(50),
  offset: queryInteger(0).default(0),
});

export const rejectBody = z.object({ reason: z.string().trim().min(1, 'a reason is required').max(2000) });

export const markCompleteBody = z.object({
  enrollmentId: id,
  completedAt,
  certificateUrl: z
    .url({ protocol: /^https?$/ })
    .max(2000)
    .optional(),
  notes: z.string().max(2000).optional(),
});

/** A form's field left empty is a field not given. */
const blankAsUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

/** The console's Mark complete form: the JSON body's fields (its enrollment is the page's), empty ones left out. */
export const markCompleteForm = z.object({
  completedAt: z.preprocess(blankAsUndefined, completedAt),
  certificateUrl: z.preprocess(blankAsUndefined, markCompleteBody.shape.certificateUrl),
  notes: z.preprocess(blankAsUndefined, markCompleteBody.shape.notes),
});

export { COMPLETION_METHODS };

export const submissionAcceptedResponse = named(
  'SubmissionAccepted',
  z.object({ submissionId: uuid, status: z.literal('awaiting_review') }),
);

export const reviewQueueResponse = named(
  'ReviewQueue',
  z.object({
    items: z.array(
      z.object({
        id: uuid,
        enrollmentId: uuid,
        programId: uuid,
        programTitle: z.string(),
        studentName: z.string().nullable(),
        studentEmail: z.string().nullable(),
        status: submissionStatus,
        completedAt: instant,
        submittedAt: instant,
        reason: z.string().nullable(),
        contentType: z.enum(['application/pdf', 'image/png', 'image/jpeg']),
        fileUrl: httpUrl,
        fileDeletedAt: instant.nullable().describe('When the retention policy or an erasure deleted the file; null while it is kept'),
      }),
    ),
    ...page,
  }),
);

export const reviewedResponse = named('Reviewed', z.object({ submissionId: uuid, enrollmentId: uuid, status: enrollmentStatus }));

export const markedCompleteResponse = named(
  'MarkedComplete',
  z.object({ enrollmentId: uuid, status: enrollmentStatus, completedAt: instant.nullable(), completionMethod: z.enum(COMPLETION_METHODS) }),
);
