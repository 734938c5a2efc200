import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.gpu/**', '.mlops/**', 'coverage/**', '.tmp/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  { languageOptions: { globals: { ...globals.node } } },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'pg', message: 'Load pg lazily through src/core/optional-import.ts', allowTypeImports: true },
            { name: 'ioredis', message: 'Load ioredis lazily through src/core/optional-import.ts', allowTypeImports: true },
            { name: '@aws-sdk/client-s3', message: 'Load the S3 SDK lazily', allowTypeImports: true },
          ],
        },
      ],
    },
  },
  {
    // dependency-cruiser sees only import() with a literal name: a computed one would hide a driver load.
    files: ['src/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        { selector: 'ImportExpression[source.type!="Literal"]', message: 'Write import() with a literal module name (see importOptional)' },
      ],
    },
  },
  {
    files: ['test/**', 'bench/**', 'scripts/**', 'examples/**'],
    rules: { 'no-restricted-imports': 'off' },
  },
);
