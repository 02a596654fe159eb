/**
 * The commands the README and docs tell a new user to type must work as written on a fresh clone
 * after `npm ci`: every `npx X` names a bin that `npm ci` links (npx does not link the project's own
 * bin, and there is no published package of that name to fetch), every `npm run X` names a script,
 * and the two forms a new user meets first really run.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { DOCUMENTED_FILES } from '../support/documented-files.js';

const run = promisify(execFile);
const DOCS = DOCUMENTED_FILES;
const scripts = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts;

/** Every command in a shell code block or an inline code span of prose, split at `&&`, `|` and `;`. */
function documentedCommands(markdown: string): string[] {
  const shell: string[] = [];
  const prose: string[] = [];
  let fence: string | undefined;
  for (const line of markdown.replace(/\\\n/g, ' ').split('\n')) {
    const opening = /^\s*```(\w*)/.exec(line);
    if (opening) fence = fence === undefined ? opening[1] : undefined;
    else if (fence === undefined) prose.push(...[...line.matchAll(/`([^`]+)`/g)].map((m) => m[1] ?? ''));
    else if (['', 'sh', 'bash', 'shell'].includes(fence)) shell.push(line);
  }
  return (
    [...shell, ...prose]
      .map((l) => l.replace(/(?:^|\s)#.*$/, ''))
      .flatMap((l) => l.split(/&&|\|\||;|\|/))
      // Leading VAR=value assignments and `export …` do not change which program runs.
      .map((c) => c.trim().replace(/^(?:[A-Z_]+=\S*\s+)+/, ''))
      .filter((c) => /^(?:npx|npm)\s/.test(c))
  );
}

const commands = DOCS.flatMap((file) => documentedCommands(readFileSync(file, 'utf8')).map((command) => ({ file, command })));

describe('documented commands', () => {
  it('finds the commands it checks (the README names at least the set-up and the CLI ones)', () => {
    expect(commands.filter((c) => c.file === 'README.md').map((c) => c.command)).toEqual(expect.arrayContaining(['npm ci', 'npm test']));
    expect(commands.some((c) => /^npm run tempstream -- schemas register/.test(c.command))).toBe(true);
  });

  it.each(commands)('$file: `$command` names a bin or script that exists after npm ci', ({ command }) => {
    const [tool, first, second] = command.split(/\s+/);
    if (tool === 'npx') expect(existsSync(`node_modules/.bin/${first}`), `node_modules/.bin/${first}`).toBe(true);
    else if (first === 'run') expect(Object.keys(scripts)).toContain(second);
    else expect(['ci', 'test', 'install', 'audit', 'prune']).toContain(first);
  });

  it('`npm run tempstream -- --help` runs the CLI', async () => {
    const { stdout } = await run('npm', ['run', '--silent', 'tempstream', '--', '--help'], { timeout: 60_000 });
    expect(stdout).toContain('Usage: tempstream');
  }, 90_000);

  it('`npm run test:features` loads the TypeScript step definitions (a dry run, nothing executed)', async () => {
    const { stdout } = await run('npm', ['run', '--silent', 'test:features', '--', '--dry-run', '--format', 'summary'], { timeout: 90_000 });
    expect(stdout).toMatch(/\d+ scenarios? \(/);
  }, 120_000);
});
