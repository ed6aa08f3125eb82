import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', '.deploy/', 'node_modules/', 'test-output/', '**/*.js', '!eslint.config.js', '!.dependency-cruiser.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
    },
  },
  {
    // A transaction goes through shared/storage/table-batch.ts (issue 24: the SDK's costs ~11 % of a delivery's CPU).
    files: ['shared/**/*.ts', 'local/**/*.ts', 'functions/**/*.ts', 'bench/**/*.ts'],
    ignores: ['shared/storage/table-batch.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.property.name='submitTransaction'][arguments.length=1]",
          message: 'Write transactions with submitTransaction(table, actions) from shared/storage/table-batch.ts.',
        },
      ],
    },
  },
  {
    // Asymmetric matchers (expect.any, expect.stringContaining) are typed `any` by vitest.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-unsafe-assignment': 'off' },
  },
  {
    files: ['eslint.config.js', '.dependency-cruiser.js'],
    ...tseslint.configs.disableTypeChecked,
  },
);
