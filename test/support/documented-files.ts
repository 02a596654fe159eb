import { readdirSync } from 'node:fs';

/** The Markdown a user reads: what the documentation tests hold to (commands that work, no host named). */
export const DOCUMENTED_FILES: readonly string[] = [
  'README.md',
  'stack/README.md',
  ...readdirSync('docs')
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];
