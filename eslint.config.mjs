// Lint: typescript-eslint's recommended rules, unused code, and sorted imports (autofixable with
// `npm run lint -- --fix`). Formatting is Prettier's (`npm run format`), not the linter's.
import js from '@eslint/js';
import simpleImportSort from 'eslint-plugin-simple-import-sort';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    plugins: { 'simple-import-sort': simpleImportSort },
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'module',
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setImmediate: 'readonly',
        clearImmediate: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        performance: 'readonly',
        TextDecoder: 'readonly',
        SharedArrayBuffer: 'readonly',
        Atomics: 'readonly',
        NodeJS: 'readonly',
        queueMicrotask: 'readonly',
      },
    },
    rules: {
      'simple-import-sort/imports': 'error',
      'simple-import-sort/exports': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false },
      ],
      // this tool matches terminal escapes and control characters on purpose (quote.ts, the width measure)
      'no-control-regex': 'off',
    },
  },
  {
    // the tool's own code runs at every start (benches and scripts may format as they like)
    files: ['src/**/*.ts'],
    rules: {
      // the first toLocaleString of a run loads ICU's locale data, about 16 ms of a start (a fifth of
      // bare Node): src/format.ts groupThousands writes en-US's grouping without it
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.property.name='toLocaleString']",
          message: 'toLocaleString loads ICU (about 16 ms at start-up): use groupThousands from src/format.ts',
        },
        {
          selector: "NewExpression[callee.object.name='Intl']",
          message: 'Intl loads ICU at start-up: see src/format.ts',
        },
      ],
    },
  },
  {
    // CommonJS: the bin wiring and the width shim
    files: ['**/*.cjs', 'bin/**/*.js'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: {
        require: 'readonly',
        module: 'writable',
        __dirname: 'readonly',
        __filename: 'readonly',
        exports: 'writable',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
