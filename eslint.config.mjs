import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

export default [
  { ignores: ['**/dist/**', '**/node_modules/**', '**/.nx/**', 'runs/**', '**/*.wasm'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/src/**/*.ts', '**/test/**/*.ts', '**/bench/**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      // Imports flow one way: data and reporting import no sibling; models may import data;
      // experiments imports data and models; the CLI imports anything.
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            { sourceTag: 'scope:data', onlyDependOnLibsWithTags: [] },
            { sourceTag: 'scope:reporting', onlyDependOnLibsWithTags: [] },
            { sourceTag: 'scope:models', onlyDependOnLibsWithTags: ['scope:data'] },
            { sourceTag: 'scope:experiments', onlyDependOnLibsWithTags: ['scope:data', 'scope:models'] },
            { sourceTag: 'scope:cli', onlyDependOnLibsWithTags: ['scope:data', 'scope:models', 'scope:experiments', 'scope:reporting'] },
            { sourceTag: 'scope:tools', onlyDependOnLibsWithTags: ['scope:data', 'scope:models', 'scope:experiments', 'scope:reporting'] },
          ],
        },
      ],
    },
  },
];
