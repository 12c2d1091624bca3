// Lint for the whole workspace (`npm run lint`, which `npm test` runs after
// the build). typescript-eslint's recommended rules everywhere; the rules that need types (promises nobody awaits, a
// promise where a callback is expected) on code that has a tsconfig; and
// the project's own rule that libraries never print or exit.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import stylistic from '@stylistic/eslint-plugin';

const nodeGlobals = {
  process: 'readonly',
  console: 'readonly',
  Buffer: 'readonly',
  URL: 'readonly',
  setTimeout: 'readonly',
  clearTimeout: 'readonly',
  setInterval: 'readonly',
  clearInterval: 'readonly',
  setImmediate: 'readonly',
  clearImmediate: 'readonly',
  queueMicrotask: 'readonly',
  TextEncoder: 'readonly',
  TextDecoder: 'readonly',
  AbortController: 'readonly',
  AbortSignal: 'readonly',
  fetch: 'readonly',
  structuredClone: 'readonly',
  performance: 'readonly',
  globalThis: 'readonly',
};

export default tseslint.config(
  {
    ignores: ['**/dist/**', '**/node_modules/**', '**/.nx/**', 'test-fixtures/**', '**/*.d.ts', '**/*.d.cts'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module', globals: nodeGlobals },
    rules: {
      // `_`-prefixed names say "unused on purpose".
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      eqeqeq: ['error', 'always'],
      // A `let` read in a closure before its one assignment (a cell filled after what refers to it) stays `let`.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // Test data may hold a no-break space on purpose, in a template as in a string.
      'no-irregular-whitespace': ['error', { skipTemplates: true }],
    },
  },
  {
    files: ['packages/*/src/**/*.ts', 'packages/*/test/**/*.ts', 'daemons/*/src/**/*.ts', 'daemons/*/test/**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/await-thenable': 'error',
    },
  },
  {
    // Libraries never print or exit: a daemon decides that (see ARCHITECTURE.md).
    // The job runner is not library code but the executable a job's process runs (node job-runner.js DIR ID).
    files: ['packages/*/src/**/*.ts'],
    ignores: ['packages/jobs/src/runner/job-runner.ts'],
    rules: {
      'no-console': 'error',
      'no-restricted-properties': [
        'error',
        {
          object: 'process',
          property: 'exit',
          message: 'Libraries never exit; throw a coded error and let the daemon decide.',
        },
      ],
    },
  },
  prettier,
  {
    // Prettier formats code to 120 columns but leaves comments as written:
    // this holds comments to the same width. A string stays whole on its
    // line, so a message a user sees can be found with grep.
    plugins: { '@stylistic': stylistic },
    rules: {
      '@stylistic/max-len': [
        'error',
        { code: 120, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true, ignoreUrls: true },
      ],
    },
  },
);
