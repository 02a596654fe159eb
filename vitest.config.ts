import { defineConfig } from 'vitest/config';

// Two projects: `unit` needs nothing but Node; `integration` starts real containers (test/support/stack.ts)
// once per file and may take minutes, so it runs files one at a time.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['topology/**/*.test.ts', 'schemas/**/*.test.ts', 'sinks/**/*.test.ts', 'app/**/*.test.ts', 'cli/**/*.test.ts', 'test/unit/**/*.test.ts'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 300_000,
          pool: 'forks',
          poolOptions: { forks: { singleFork: true } },
          globalSetup: ['test/support/global-setup.ts'],
        },
      },
    ],
  },
});
