/**
 * A real OpenID provider on loopback for sign-in tests (the `oidc-provider` package, certified by the OpenID
 * Foundation), run as its own process (`node dist/tests/helpers/oidc-provider-server.js`): its ESM build and its
 * Node version warning stay out of Jest. Its settings come as JSON in OIDC_TEST_SETTINGS; it prints its issuer
 * when it listens. Accounts: the login name is the account id; a name with a role prefix gets that role
 * (`program_holder:ada` is a program holder), `funder:...` also an organization, anything else no role at all.
 */
import http from 'node:http';
import Provider from 'oidc-provider';

interface Settings {
  port: number;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
}

const settings = JSON.parse(process.env.OIDC_TEST_SETTINGS ?? '{}') as Settings;
const issuer = `http://127.0.0.1:${settings.port}`;
const ROLES = ['student', 'program_holder', 'funder', 'admin'];

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: settings.clientId,
      client_secret: settings.clientSecret,
      redirect_uris: [settings.redirectUri],
      grant_types: ['authorization_code'],
      response_types: ['code'],
    },
  ],
  // The console's role and organization, released with the profile scope (so they come from userinfo).
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'role', 'organizationId'] },
  pkce: { required: () => true },
  features: { devInteractions: { enabled: true } },
  findAccount: (_ctx, sub) => {
    const [prefix, rest] = sub.includes(':') ? sub.split(':', 2) : ['', sub];
    const role = ROLES.includes(prefix) ? prefix : undefined;
    return {
      accountId: sub,
      claims: () => ({
        sub,
        email: `${rest}@idp.example`,
        email_verified: true,
        name: `${rest[0]?.toUpperCase() ?? ''}${rest.slice(1)} from the IdP`,
        ...(role && { role }),
        ...(role === 'funder' && { organizationId: 'idp-workforce-board' }),
      }),
    };
  },
});

const handle = provider.callback();
const server = http.createServer((req, res) => void handle(req, res));
server.listen(settings.port, '127.0.0.1', () => console.log(`oidc-provider listening on ${issuer}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
