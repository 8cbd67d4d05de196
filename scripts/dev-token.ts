/** Prints a development JWT: `npm run token -- <student|program_holder|admin> [--sub ID] [--email E] [--name N] [--ttl 12h]`. */
import { parseArgs } from 'node:util';
import { randomUUID } from 'node:crypto';
import { ROLES, type Role, signDevelopmentToken } from '../api/auth';
import { DEMO_FUNDER_ID, DEMO_FUNDER_ORGANIZATION_ID, DEMO_HOLDER_ID, DEMO_STUDENT_ID } from '../db/seed';
import { loadConfig } from '../lib/config';

const DEFAULTS: Record<Role, { sub: string; email: string; name: string; organizationId?: string }> = {
  student: { sub: DEMO_STUDENT_ID, email: 'student@example.com', name: 'Demo Student' },
  program_holder: { sub: DEMO_HOLDER_ID, email: 'holder@example.com', name: 'Demo Program Holder' },
  funder: { sub: DEMO_FUNDER_ID, email: 'funder@example.com', name: 'Demo Funder', organizationId: DEMO_FUNDER_ORGANIZATION_ID },
  admin: { sub: '7d9e0f1a-2b3c-4d5e-8f60-718293a4b501', email: 'admin@example.com', name: 'Demo Admin' },
};

async function main() {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      sub: { type: 'string' },
      email: { type: 'string' },
      name: { type: 'string' },
      ttl: { type: 'string' },
      new: { type: 'boolean' },
    },
  });
  const role = positionals[0] as Role;
  if (!ROLES.includes(role)) {
    console.error(`usage: npm run token -- <${ROLES.join('|')}> [--sub ID | --new] [--email E] [--name N] [--ttl 12h]`);
    process.exit(2);
  }
  const config = loadConfig();
  if (config.env === 'production') {
    console.error('refusing to sign development tokens with NODE_ENV=production');
    process.exit(2);
  }
  const d = DEFAULTS[role];
  const token = await signDevelopmentToken(
    config.jwt.secret,
    {
      id: values.sub ?? (values.new ? randomUUID() : d.sub),
      role,
      email: values.email ?? d.email,
      name: values.name ?? d.name,
      organizationId: d.organizationId,
    },
    values.ttl ?? '12h',
  );
  console.log(token);
}

void main();
