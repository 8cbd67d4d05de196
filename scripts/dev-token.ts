/** Prints a development JWT: `npm run token -- <student|program_holder|admin> [--sub ID] [--email E] [--name N] [--ttl 12h]`. */
import { parseArgs } from 'node:util';
import { randomUUID } from 'node:crypto';
import { ROLES, type Role } from '../core/actor';
import { signDevelopmentToken } from '../api/auth';
import { DEMO_USERS } from '../db/seed';
import { loadConfig } from '../lib/config';

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
  const d = DEMO_USERS[role];
  const token = await signDevelopmentToken(
    config.jwt,
    {
      id: values.sub ?? (values.new ? randomUUID() : d.id),
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
