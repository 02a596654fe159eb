/**
 * The service runs as tsc output on plain node (Dockerfile: `npm run build`, `node dist/cli/main.js`),
 * not under tsx, whose loader thread and helpers would add to the RSS and CPU being measured. So the
 * topology child is compiled with the project's compiler options first, into node_modules/.cache
 * where no linter, test runner or `git status` looks.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const benchDir = fileURLToPath(new URL('.', import.meta.url));
const buildDir = fileURLToPath(new URL('../node_modules/.cache/tempstream-bench/', import.meta.url));

/** Compiles (incrementally) and returns the path of the compiled child script. */
export function buildTopologyChild(): string {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.child.json'], { cwd: benchDir, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`compiling the topology child failed:\n${result.stdout}${result.stderr}`);
  // Node looks for a package scope no further up than node_modules: say that these files are ESM.
  writeFileSync(`${buildDir}package.json`, '{ "type": "module" }\n');
  // loadAvsc reads the .avsc next to the compiled module; tsc copies none.
  const schemasIn = fileURLToPath(new URL('../schemas/', import.meta.url));
  const schemasOut = `${buildDir}schemas/`;
  mkdirSync(schemasOut, { recursive: true });
  for (const f of readdirSync(schemasIn)) if (f.endsWith('.avsc')) copyFileSync(`${schemasIn}${f}`, `${schemasOut}${f}`);
  return `${buildDir}bench/topology-child.js`;
}
