import type { TestProject } from 'vitest/node';
import { startStack, type StackSettings } from '../../stack/harness.js';

declare module 'vitest' {
  export interface ProvidedContext {
    stack: StackSettings;
  }
}

/** One stack for the whole integration run; each test file isolates itself by topic and database names. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const stack = await startStack({ log: (line) => console.log(`[stack] ${line}`) });
  console.log(`[stack] images: ${JSON.stringify(stack.images)}`);
  console.log(
    `[stack] started in ${stack.startupSeconds.total.toFixed(1)} s: ${JSON.stringify(stack.settings.kafkaBrokers)} ${stack.settings.schemaRegistryUrl} mysql ${stack.settings.mysql.host}:${stack.settings.mysql.port}`,
  );
  project.provide('stack', stack.settings);
  return async () => {
    await stack.stop();
  };
}
