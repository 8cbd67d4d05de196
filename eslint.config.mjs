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
      'api/widget/**',
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
);
