import { z } from 'zod';
import { count, instant, named, page, queryInteger } from '../../core/schemas';
import { PURPOSES, READER_ROLES } from './disclosures';

/** A page of the access and disclosure log, newest first (the paging of the other lists: limit and offset). */
export const disclosuresQuery = z.object({
  limit: queryInteger(1, 200).default(50),
  offset: queryInteger(0).default(0),
});

/** A student's platform id, as their sign-in names them (not always a UUID; NUL is refused before any route). */
export const studentIdParam = z.object({ studentId: z.string().min(1).max(200) });

export const disclosureListResponse = named(
  'DisclosureList',
  z.object({
    items: z.array(
      z.object({
        at: instant,
        actor: z
          .object({
            id: z.string(),
            role: z.enum(READER_ROLES),
            name: z.string(),
            organizationId: z.string().optional(),
          })
          .describe('Who read or received it: a program holder, funder or admin, a training partner, its LTI tool, or the public'),
        record: z
          .object({
            kind: z.string().describe('The kind of record: enrollment, submission, certificate, voucher, wioa_record, …'),
            ids: z.array(z.string()).describe('The records of this student that were shown'),
            fields: z.array(z.string()).describe('What of them was shown'),
            via: z.string().describe('The page, answer, export or transmission that showed them'),
          })
          .describe('What was read'),
        purpose: z.enum(PURPOSES),
        disclosure: z.boolean().describe('True when it left the platform (a funder, a partner, a state report, the public)'),
      }),
    ),
    total: count,
    ...page,
  }),
);
