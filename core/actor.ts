import { z } from 'zod';

/** Who acts: a signed-in person with one of four roles (a bearer token's claims or the console's sign-in). */
export const ROLES = ['student', 'program_holder', 'funder', 'admin'] as const;
export type Role = (typeof ROLES)[number];

// An identity provider may let users pick their own name; PostgreSQL text cannot hold NUL.
const claimText = () =>
  z
    .string()
    .min(1)
    .max(200)
    .refine((v) => !v.includes('\u0000'), 'must not contain NUL');
const claimsSchema = z
  .object({
    sub: claimText(),
    role: z.enum(ROLES),
    email: z.email().optional(),
    name: claimText().optional(),
    /** The funding organization (a local workforce board or a sponsor) a funder works for. */
    organizationId: claimText().optional(),
  })
  .refine((c) => c.role !== 'funder' || c.organizationId !== undefined, {
    message: 'a funder token needs an organizationId claim',
    path: ['organizationId'],
  });
export type Actor = { id: string; role: Role; email?: string; name?: string; organizationId?: string };

/** Who the claims of a verified token say the caller is (a bearer token, or the console's OpenID Connect sign-in); throws a ZodError. */
export function actorFromClaims(claims: unknown): Actor {
  const c = claimsSchema.parse(claims);
  return { id: c.sub, role: c.role, email: c.email, name: c.name, organizationId: c.organizationId };
}
