// Settings every project's vitest config shares.
export const shared = {
  include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
  testTimeout: 120_000,
  hookTimeout: 300_000,
  pool: 'forks' as const,
};
