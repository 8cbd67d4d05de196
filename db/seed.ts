import type { Actor, Role } from '../core/actor';
import { loadConfig } from '../lib/config';
import { createPool, type Db } from './pool';

/** The demo program holder that `npm run token -- program_holder` signs in as. */
export const DEMO_HOLDER_ID = '5e1f7a3c-0d1b-4c55-9a0e-6f1d2b3c4d01';
/** The demo student that `npm run token -- student` signs in as; the demo vouchers are issued to them. */
export const DEMO_STUDENT_ID = '2c8a1b6e-4d3f-4a5b-8c7d-9e0f1a2b3c01';
/** The demo funder (staff of a local workforce board) that `npm run token -- funder` signs in as, and its organization. */
export const DEMO_FUNDER_ID = '3b7c9d1e-5f2a-4b6c-8d0e-1f2a3b4c5d01';
export const DEMO_FUNDER_ORGANIZATION_ID = 'demo-workforce-board';
export const DEMO_ADMIN_ID = '7d9e0f1a-2b3c-4d5e-8f60-718293a4b501';

/** Who development signs in as by default, per role: `npm run token -- <role>` and the console's development sign-in. */
export const DEMO_USERS: Record<Role, Actor> = {
  student: { id: DEMO_STUDENT_ID, role: 'student', email: 'student@example.com', name: 'Demo Student' },
  program_holder: { id: DEMO_HOLDER_ID, role: 'program_holder', email: 'holder@example.com', name: 'Demo Program Holder' },
  funder: {
    id: DEMO_FUNDER_ID,
    role: 'funder',
    email: 'funder@example.com',
    name: 'Demo Funder',
    organizationId: DEMO_FUNDER_ORGANIZATION_ID,
  },
  admin: { id: DEMO_ADMIN_ID, role: 'admin', email: 'admin@example.com', name: 'Demo Admin' },
};

/** A partner's completion API, as its row configures it (see services/partner-adapter.ts). */
export interface SeededPartnerApi {
  /** `{publicBaseUrl}` is filled in when the adapter is built. */
  baseUrl: string;
  /** Name of the environment variable with the bearer credential; the secret is never stored. */
  credentialEnv: string | null;
  fieldMap: Record<string, string>;
  pollIntervalSeconds: number;
  rateLimitPerSecond: number;
}

export const SEEDED_PARTNERS: readonly { id: string; name: string; launchUrlTemplate: string; api?: SeededPartnerApi }[] = [
  {
    id: 'certiport',
    name: 'Certiport',
    launchUrlTemplate: 'https://www.certiport.com/portal?course={courseId}&registration={enrollmentId}',
  },
  { id: 'milady', name: 'Milady', launchUrlTemplate: 'https://www.miladytraining.com/?course={courseId}&registration={enrollmentId}' },
  {
    id: 'nrf',
    name: 'NRF Foundation RISE Up',
    launchUrlTemplate: 'https://riseup.nrffoundation.org/?course={courseId}&registration={enrollmentId}',
  },
  // A local stand-in served by the API itself, so the whole lifecycle runs without any outside service.
  // Its completion API is the stand-in of demo/partner.ts, mounted by the API under /demo-partner.
  {
    id: 'demo',
    name: 'Demo Partner (local stand-in)',
    launchUrlTemplate: '{publicBaseUrl}/partners/demo/launch?enrollmentId={enrollmentId}&courseId={courseId}',
    api: { baseUrl: '{publicBaseUrl}/demo-partner', credentialEnv: null, fieldMap: {}, pollIntervalSeconds: 60, rateLimitPerSecond: 5 },
  },
];

export const SEEDED_PROGRAMS = [
  {
    id: '8a6f0d5e-2b1c-4e7a-9c3d-1f2e3d4c5b01',
    title: 'IC3 Digital Literacy Certification',
    partnerId: 'certiport',
    partnerCourseId: 'ic3-gs6',
    priceCents: 14900,
    credentialType: 'occupational_certification',
    bps: [2000, 6000, 2000],
    deadlineDays: 180,
  },
  {
    id: '8a6f0d5e-2b1c-4e7a-9c3d-1f2e3d4c5b02',
    title: 'Barbering Fundamentals',
    partnerId: 'milady',
    partnerCourseId: 'barber-101',
    priceCents: 49900,
    credentialType: 'occupational_licensure',
    bps: [1500, 7000, 1500],
    deadlineDays: 365,
  },
  {
    id: '8a6f0d5e-2b1c-4e7a-9c3d-1f2e3d4c5b03',
    title: 'RISE Up Customer Service and Sales',
    partnerId: 'nrf',
    partnerCourseId: 'riseup-css',
    priceCents: 9900,
    credentialType: 'occupational_certificate',
    bps: [2500, 5000, 2500],
    deadlineDays: 120,
  },
  {
    id: '8a6f0d5e-2b1c-4e7a-9c3d-1f2e3d4c5b04',
    title: 'Demo Workplace Safety Course',
    partnerId: 'demo',
    partnerCourseId: 'safety-1',
    priceCents: 2999,
    credentialType: 'other',
    bps: [3333, 3334, 3333],
    deadlineDays: 90,
  },
] as const;

/** Vouchers the demo funder has issued to the demo student: one covers any program, one leaves a co-pay on the demo course. */
export const DEMO_VOUCHERS = [
  { number: 'WIOA-DEMO-0001', fundingSource: 'wioa_ita', amountCents: 50_000, programId: null },
  { number: 'SPONSOR-DEMO-0002', fundingSource: 'sponsor', amountCents: 2_000, programId: '8a6f0d5e-2b1c-4e7a-9c3d-1f2e3d4c5b04' },
] as const;

/**
 * Partners, demo programs (and their holder) and the demo vouchers; safe to run at every start. Existing rows are left as they are, except that a seeded
 * partner's API settings are filled in once on a row that has none yet (a database seeded before partner APIs).
 */
export async function seed(db: Db): Promise<void> {
  for (const p of SEEDED_PARTNERS) {
    await db.query(
      `INSERT INTO partners (id, name, launch_url_template, api_base_url, api_credential_env, field_map, poll_interval_seconds, rate_limit_per_second)
       VALUES ($1, $2, $3, $4, $5, $6, COALESCE($7::integer, 86400), COALESCE($8::double precision, 5))
       ON CONFLICT (id) DO UPDATE
         SET api_base_url = EXCLUDED.api_base_url, api_credential_env = EXCLUDED.api_credential_env, field_map = EXCLUDED.field_map,
             poll_interval_seconds = EXCLUDED.poll_interval_seconds, rate_limit_per_second = EXCLUDED.rate_limit_per_second
         WHERE partners.api_base_url IS NULL AND EXCLUDED.api_base_url IS NOT NULL`,
      [
        p.id,
        p.name,
        p.launchUrlTemplate,
        p.api?.baseUrl ?? null,
        p.api?.credentialEnv ?? null,
        JSON.stringify(p.api?.fieldMap ?? {}),
        p.api?.pollIntervalSeconds ?? null,
        p.api?.rateLimitPerSecond ?? null,
      ],
    );
  }
  // The demo programs' holder, by name and email (as the console learns a holder from their first sign-in).
  const holder = DEMO_USERS.program_holder;
  await db.query('INSERT INTO program_holders (id, email, name) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING', [
    holder.id,
    holder.email,
    holder.name,
  ]);
  for (const p of SEEDED_PROGRAMS) {
    await db.query(
      `INSERT INTO programs (id, title, partner_id, partner_course_id, price_cents, currency, holder_id,
                             platform_bps, holder_bps, partner_bps, credential_type, deadline_days)
       VALUES ($1, $2, $3, $4, $5, 'usd', $6, $7, $8, $9, $10, $11) ON CONFLICT (id) DO NOTHING`,
      [p.id, p.title, p.partnerId, p.partnerCourseId, p.priceCents, DEMO_HOLDER_ID, ...p.bps, p.credentialType, p.deadlineDays],
    );
  }
  for (const v of DEMO_VOUCHERS) {
    await db.query(
      `INSERT INTO vouchers (id, organization_id, number, funding_source, student_id, amount_cents, currency, expires_on, program_id, issued_by)
       VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, 'usd', current_date + 365, $6, $7) ON CONFLICT DO NOTHING`,
      [DEMO_FUNDER_ORGANIZATION_ID, v.number, v.fundingSource, DEMO_STUDENT_ID, v.amountCents, v.programId, DEMO_FUNDER_ID],
    );
  }
}

if (require.main === module) {
  const db = createPool(loadConfig().databaseUrl, 1);
  seed(db)
    .then(() => console.log('[db] partners, demo programs and demo vouchers seeded'))
    .catch((err) => {
      console.error(`[db] seed failed: ${(err as Error).message}`);
      process.exitCode = 1;
    })
    .finally(() => db.end());
}
