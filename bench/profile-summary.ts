/**
 * Summarizes a V8 .cpuprofile (node --cpu-prof): self time per function and per origin (the
 * project's folders, each package in node_modules, node internals, GC). Run on its own:
 *   npx tsx bench/profile-summary.ts <file.cpuprofile> [top]
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}

interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface SelfTime {
  readonly name: string;
  readonly ms: number;
  readonly share: number;
  /** Of the time the thread was not idle. */
  readonly busyShare: number;
}

export interface ProfileSummary {
  readonly file: string;
  readonly totalMs: number;
  readonly busyMs: number;
  readonly byFunction: SelfTime[];
  readonly byOrigin: SelfTime[];
}

const REPO = fileURLToPath(new URL('..', import.meta.url));
const COMPILED = '/node_modules/.cache/tempstream-bench/';

/** The path inside the repository (compiled child or tsx source alike), or undefined for other code. */
function projectPath(url: string): string | undefined {
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  const compiled = path.indexOf(COMPILED);
  if (compiled >= 0) return path.slice(compiled + COMPILED.length);
  if (path.includes('/node_modules/') || !path.startsWith(REPO)) return undefined;
  return path.slice(REPO.length);
}

/** Where a function comes from: a project folder, a package, node internals, or a V8 pseudo-frame. */
export function originOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const project = projectPath(url);
  if (project) return `project ${project.split('/')[0]}/`;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  if (url.startsWith('node:')) return 'node internals';
  return url;
}

export function labelOf(frame: CallFrame): string {
  const file = projectPath(frame.url) ?? frame.url.replace(/^file:\/\//, '').replace(/^.*node_modules\//, '');
  // tsx hands V8 each module as one line: a line number would say nothing, so only the file is named.
  const where = !file ? '' : frame.lineNumber > 0 ? `${file}:${frame.lineNumber + 1}` : file;
  return `${frame.functionName || '(anonymous)'} ${where}`.trim();
}

export function summarizeProfile(file: string, top = 25): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const fn = new Map<string, number>();
  const origin = new Map<string, number>();
  let totalUs = 0;
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    const node = byId.get(id);
    if (!node) return;
    totalUs += us;
    const label = labelOf(node.callFrame);
    fn.set(label, (fn.get(label) ?? 0) + us);
    const o = originOf(node.callFrame);
    origin.set(o, (origin.get(o) ?? 0) + us);
  });
  const busyUs = totalUs - (origin.get('(idle)') ?? 0);
  const rank = (m: Map<string, number>, n: number): SelfTime[] =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, us]) => ({ name, ms: us / 1000, share: us / totalUs, busyShare: name === '(idle)' ? NaN : us / busyUs }));
  return { file, totalMs: totalUs / 1000, busyMs: busyUs / 1000, byFunction: rank(fn, top), byOrigin: rank(origin, 15) };
}

/** The main thread's profile of process `pid` in `dir` (the largest file: tsx's loader thread writes a small one too). */
export function profileOf(dir: string, pid: number): string | undefined {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile') && f.includes(`.${pid}.`))
    .map((f) => join(dir, f));
  return files.sort((a, b) => statSync(b).size - statSync(a).size)[0];
}

export function formatSummary(s: ProfileSummary): string {
  const pct = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(1).padStart(5)} %` : '      –');
  const line = (t: SelfTime) => `${pct(t.share)}  ${pct(t.busyShare)}  ${t.ms.toFixed(0).padStart(7)} ms  ${t.name}`;
  return [
    `profile ${s.file}: ${(s.totalMs / 1000).toFixed(1)} s sampled, ${(s.busyMs / 1000).toFixed(1)} s not idle`,
    'columns: share of all samples, share of the non-idle ones, self time',
    'self time by origin:',
    ...s.byOrigin.map(line),
    'top functions by self time:',
    ...s.byFunction.map(line),
  ].join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [file, top] = process.argv.slice(2);
  if (!file) {
    console.error('usage: npx tsx bench/profile-summary.ts <file.cpuprofile> [top]');
    process.exit(2);
  }
  console.log(formatSummary(summarizeProfile(file, top ? Number(top) : 25)));
}
