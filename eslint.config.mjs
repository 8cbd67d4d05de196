// ESLint with typescript-eslint's type-checked rules over the whole project (issue 12); Prettier owns the formatting.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      '.data/**',
      '.venv-temporal/**',
      '.venv-schemathesis/**',
      'coverage/**',
      'bench/results/**',
      'capabilities/tutor/widget/**',
      '*.config.js',
      '*.mjs',
      // Plain Node that runs before the build (npm start's configuration check).
      'scripts/*.cjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  // Nothing in the application opens a connection to a URL someone supplied except through lib/outbound-guard.ts (issue
  // 21: SSRF). Clients of services the operator configures (Stripe, OpenAI, SMTP, the OpenID provider, JWT_JWKS_URL)
  // are the named exceptions, each with a disable comment saying so. Tests and the benchmarks are stand-ins' clients.
  {
    files: ['{activities,api,console,core,db,demo,lib,scripts,services,worker,workflows}/**/*.ts'],
    ignores: ['lib/outbound-guard.ts'],
    rules: {
      'no-restricted-globals': [
        'error',
        { name: 'fetch', message: 'A URL someone supplied goes through lib/outbound-guard.ts (createOutboundGuard().fetch).' },
      ],
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...['https', 'node:https', 'undici', 'axios', 'node-fetch', 'got'].map((name) => ({
              name,
              message: 'Outbound HTTP goes through lib/outbound-guard.ts.',
            })),
            {
              name: 'jose',
              importNames: ['createRemoteJWKSet'],
              message: 'A JWKS URL someone supplied is read through lib/outbound-guard.ts (see capabilities/completion/lti/lti.ts).',
            },
          ],
        },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector:
            'CallExpression[callee.object.name=/^(http|https|net|tls)$/][callee.property.name=/^(request|get|connect|createConnection)$/]',
          message: 'Outbound connections go through lib/outbound-guard.ts.',
        },
      ],
    },
  },
);
