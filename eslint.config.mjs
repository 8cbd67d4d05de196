// ESLint with typescript-eslint's type-checked rules over the whole project (issue 12); Prettier owns the formatting.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Every application source file (not the tests, not the benchmarks). */
const APPLICATION = '{activities,api,capabilities,console,core,db,demo,lib,scripts,services,worker,workflows}/**/*.ts';
/** A capability's door files: its JSON API routes (and what /openapi.json says of them) and its console pages. */
const DOOR_FILES = ['capabilities/**/*.routes.ts', 'capabilities/**/*.openapi.ts', 'capabilities/**/*.pages.ts'];

/** Outbound HTTP only through the outbound guard, plus the import rules (`patterns`) of a part of the house. */
const restrictedImports = (...patterns) => [
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
        message: 'A JWKS URL someone supplied is read through lib/outbound-guard.ts (see capabilities/completion/lti/token.ts).',
      },
    ],
    patterns,
  },
];

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
      // Browser scripts the console serves as files (progressive enhancement), like the widget.
      'console/assets/**',
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
    files: [APPLICATION],
    ignores: ['lib/outbound-guard.ts'],
    rules: {
      'no-restricted-globals': [
        'error',
        { name: 'fetch', message: 'A URL someone supplied goes through lib/outbound-guard.ts (createOutboundGuard().fetch).' },
      ],
      'no-restricted-imports': restrictedImports(),
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
  // One core, three doors (issue 22). The core (core/ and each capability's operations, queries and schemas) imports
  // no door and no Express; the JSON API (api/, *.routes.ts) and the console (console/, *.pages.ts) never import each
  // other; api/app.ts composes the two.
  {
    files: ['core/**/*.ts', 'capabilities/**/*.ts'],
    ignores: DOOR_FILES,
    rules: {
      'no-restricted-imports': restrictedImports(
        { regex: '^express(/|$)', message: 'The core knows no HTTP: a door parses the request and calls the core.' },
        { regex: '(^|/)(api|console|worker)/', message: 'The core imports no door; throw a Refusal (core/refusals.ts) instead.' },
        { regex: '\\.(routes|openapi|pages)$', message: 'The core imports no door file.' },
      ),
    },
  },
  {
    files: ['api/**/*.ts', 'capabilities/**/*.routes.ts', 'capabilities/**/*.openapi.ts'],
    ignores: ['api/app.ts'],
    rules: {
      'no-restricted-imports': restrictedImports({
        regex: '(^|/)console/|\\.pages$',
        message: 'The JSON API imports nothing from the console (api/app.ts composes the two).',
      }),
    },
  },
  {
    files: ['console/**/*.ts', 'capabilities/**/*.pages.ts'],
    rules: {
      'no-restricted-imports': restrictedImports({
        regex: '(^|/)api/|\\.(routes|openapi)$',
        message: 'The console imports nothing from the JSON API: both call the core.',
      }),
    },
  },
  // A file a newcomer can read: none over 500 lines outside the tests (issue 22).
  {
    files: [APPLICATION, 'bench/**/*.ts'],
    rules: { 'max-lines': ['error', { max: 500, skipBlankLines: false, skipComments: false }] },
  },
);
