import { defineConfig } from 'vitest/config';

// Every test file runs on the embedded database; with TEST_DATABASE_URL set, the server suites run again on PostgreSQL.
const server = { include: ['src/**/*.test.ts', 'test/**/*.test.ts'], exclude: ['test/e2e/**'] };
const projects = [
  { extends: true, test: { ...server, name: 'pglite', env: { MOMENTUM_TEST_DB: 'pglite' } } },
  ...(process.env.TEST_DATABASE_URL ? [{ extends: true, test: { ...server, name: 'postgres', env: { MOMENTUM_TEST_DB: 'postgres' } } }] : []),
  { extends: true, test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'], testTimeout: 120_000, hookTimeout: 180_000, fileParallelism: false } },
];

export default defineConfig({
  test: {
    projects,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
