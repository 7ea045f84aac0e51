import { defineProject } from 'vitest/config';
import { shared } from '../../vitest.shared';

export default defineProject({
  // bench/ holds the benchmark (`@fmnist/models/bench`) and its test.
  test: { ...shared, name: 'models', include: [...shared.include, 'bench/**/*.test.ts'] },
});
