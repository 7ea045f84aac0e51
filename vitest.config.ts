import { defineConfig } from 'vitest/config';

// `npm test` runs every project's tests in one vitest process; `nx run <project>:test`
// and `nx affected -t test` run them per project with the same per-project configs.
export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/*', 'tools'],
  },
});
