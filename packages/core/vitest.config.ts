import { defineProject } from 'vitest/config';
import { shared } from '../../vitest.shared';

export default defineProject({
  test: { ...shared, name: 'core' },
});
