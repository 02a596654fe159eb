import { defineConfig } from 'vitest/config';

// Three projects: `unit` needs nothing but Node; `integration` starts real containers (test/support/stack.ts)
// once per file and may take minutes, so it runs files one at a time; `reliability` (npm run test:reliability)
// injects faults into a stack of its own per file.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: [
            'topology/**/*.test.ts',
            'schemas/**/*.test.ts',
            'sinks/**/*.test.ts',
            'app/**/*.test.ts',
            'api/**/*.test.ts',
            'cli/**/*.test.ts',
            'web/**/*.test.ts',
            'test/unit/**/*.test.ts',
          ],
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
      {
        // Faults on a real stack (docs/reliability.md): each file starts and breaks its own containers,
        // so files run one at a time. RELIABILITY_MODE=full repeats the faults more and for longer.
        test: {
          name: 'reliability',
          include: ['test/reliability/**/*.test.ts'],
          testTimeout: 1_800_000,
          hookTimeout: 300_000,
          pool: 'forks',
          poolOptions: { forks: { singleFork: true } },
        },
      },
    ],
  },
});
