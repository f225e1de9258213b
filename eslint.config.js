import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import lit from 'eslint-plugin-lit';
import litA11y from 'eslint-plugin-lit-a11y';
import wc from 'eslint-plugin-wc';
import globals from 'globals';

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'dist/',
      'dist-demo/',
      'public/',
      'data/',
      'test-results/',
      'playwright-report/',
      '.cache/',
      'custom-elements.json',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
    },
  },
  {
    // Browser code never imports the Node endpoint or CLI (tsconfig.browser.json, without Node
    // types, catches Node APIs; this catches the import itself, type-only ones included).
    files: ['src/**/*.ts'],
    ignores: [
      'src/server/**',
      'src/cli/**',
      'src/vite/**',
      'src/testing/**',
      'src/assets/**',
      'src/**/*.test.ts',
      'src/**/*.pw.ts',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '(^|/)(server|cli)(/|$)',
              message:
                'browser code must not import the Node endpoint or CLI (src/server, src/cli)',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/element/**/*.ts', 'src/define.ts'],
    ...lit.configs['flat/recommended'],
  },
  {
    files: ['src/element/**/*.ts'],
    ...litA11y.configs.recommended,
    plugins: { 'lit-a11y': litA11y },
  },
  {
    files: ['src/element/**/*.ts', 'src/define.ts'],
    ...wc.configs['flat/recommended'],
  },
);
