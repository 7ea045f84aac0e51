import { defineProject } from 'vitest/config';
import { shared } from '../../vitest.shared';

export default defineProject({
  test: {
    ...shared,
    name: 'cli',
    // The end-to-end tests run the built bundle, as a user would: build it once first.
    globalSetup: ['./test/global-setup.ts'],
  },
});
