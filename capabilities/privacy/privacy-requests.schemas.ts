import { z } from 'zod';
import { count, httpUrl, id, instant, named, queryInteger, uuid } from '../../core/schemas';

// ── Data exports and erasure requests (api.md, Privacy) ─────────────────────────────────────────────────

export const exportParams = z.object({ id });
export const erasureRequestParams = z.object({ id });

export const ERASURE_STATUSES = ['requested', 'rejected', 'approved', 'completed'] as const;
export type ErasureStatus = (typeof ERASURE_STATUSES)[number];

export const erasureRequestsQuery = z.object({
  status: z.enum(ERASURE_STATUSES).optional(),
  limit: queryInteger(1, 200).default(50),
  offset: queryInteger(0).default(0),
});

/** A rejection says why (the student reads it). */
export const rejectErasureBody = z.object({ reason: z.string().trim().min(1, 'required').max(1000) });

export const dataExportResponse = named(
  'DataExport',
  z.object({
    id: uuid,
    status: z.enum(['pending', 'ready', 'expired']),
    requestedAt: instant.optional(),
    /** Present while it is ready: the ZIP, for this student alone. */
    downloadUrl: httpUrl.optional(),
    expiresAt: instant.optional(),
  }),
);

export const erasureRequestResponse = named(
  'ErasureRequest',
  z.object({
    id: uuid,
    studentId: z.string(),
    status: z.enum(ERASURE_STATUSES),
    requestedAt: instant,
    decidedAt: instant.optional(),
    completedAt: instant.optional(),
    /** Why it was rejected. */
    reason: z.string().optional(),
    /** What the erasure erased or pseudonymized, with counts. */
    erased: z.array(z.object({ what: z.string(), count })).optional(),
    /** What stays, tied to a pseudonym: why (the legal basis) and until when (null: no end, it names no one). */
    kept: z.array(z.object({ what: z.string(), count, basis: z.string(), until: z.iso.date().nullable() })).optional(),
  }),
);

export const erasureRequestListResponse = named(
  'ErasureRequestList',
  z.object({ requests: z.array(erasureRequestResponse), total: count, limit: count, offset: count }),
);

export const acceptedErasureRequestResponse = named(
  'AcceptedErasureRequest',
  z.object({ id: uuid, status: z.enum(['requested', 'approved']) }),
);
