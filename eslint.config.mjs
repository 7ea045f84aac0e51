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
      // Imports flow one way: core imports nothing; data and reporting import core; models may
      // import core and data; experiments imports core, data and models; the CLI imports anything.
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            { sourceTag: 'scope:core', onlyDependOnLibsWithTags: [] },
            { sourceTag: 'scope:data', onlyDependOnLibsWithTags: ['scope:core'] },
            { sourceTag: 'scope:reporting', onlyDependOnLibsWithTags: ['scope:core'] },
            { sourceTag: 'scope:models', onlyDependOnLibsWithTags: ['scope:core', 'scope:data'] },
            { sourceTag: 'scope:experiments', onlyDependOnLibsWithTags: ['scope:core', 'scope:data', 'scope:models'] },
            { sourceTag: 'scope:cli', onlyDependOnLibsWithTags: ['scope:core', 'scope:data', 'scope:models', 'scope:experiments', 'scope:reporting'] },
            { sourceTag: 'scope:tools', onlyDependOnLibsWithTags: ['scope:core', 'scope:data', 'scope:models', 'scope:experiments', 'scope:reporting'] },
          ],
        },
      ],
    },
  },
];
