/**
 * Summarizes a sampled allocation profile (bench/allocation-sampling.ts, `.heapprofile`): bytes per
 * origin (the project's folders, each package, node internals) and per allocating function. Run on its own:
 *   npx tsx bench/allocation-summary.ts <file.heapprofile>... [top]
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { labelOf, originOf, type CallFrame } from './profile-summary.js';

interface AllocationNode {
  readonly callFrame: CallFrame;
  readonly selfSize: number;
  readonly children: readonly AllocationNode[];
}

export interface AllocatedBy {
  readonly name: string;
  readonly bytes: number;
  readonly share: number;
}

export interface AllocationSummary {
  readonly totalBytes: number;
  readonly byOrigin: AllocatedBy[];
  readonly byFunction: AllocatedBy[];
}

export function summarizeAllocations(head: AllocationNode, top = 25): AllocationSummary {
  const fn = new Map<string, number>();
  const origin = new Map<string, number>();
  let total = 0;
  const visit = (node: AllocationNode): void => {
    if (node.selfSize > 0) {
      total += node.selfSize;
      const label = labelOf(node.callFrame);
      fn.set(label, (fn.get(label) ?? 0) + node.selfSize);
      const o = originOf(node.callFrame);
      origin.set(o, (origin.get(o) ?? 0) + node.selfSize);
    }
    for (const child of node.children) visit(child);
  };
  visit(head);
  const rank = (m: Map<string, number>, n: number): AllocatedBy[] =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, bytes]) => ({ name, bytes, share: bytes / total }));
  return { totalBytes: total, byOrigin: rank(origin, 15), byFunction: rank(fn, top) };
}

export function formatAllocations(file: string, s: AllocationSummary): string {
  const line = (a: AllocatedBy) => `${(a.share * 100).toFixed(1).padStart(5)} %  ${(a.bytes / 1e6).toFixed(0).padStart(6)} MB  ${a.name}`;
  return [
    `allocation profile ${file}: ${(s.totalBytes / 1e6).toFixed(0)} MB sampled (collected objects included)`,
    'by origin:',
    ...s.byOrigin.map(line),
    "top functions by bytes allocated (an inlined callee's bytes count for its caller):",
    ...s.byFunction.map(line),
  ].join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  // Files, then optionally how many functions to list: a glob may name the profiles of several runs.
  const args = process.argv.slice(2);
  const top = args.length > 1 && /^\d+$/.test(args.at(-1)!) ? Number(args.pop()) : 25;
  if (args.length === 0) {
    console.error('usage: npx tsx bench/allocation-summary.ts <file.heapprofile>... [top]');
    process.exit(2);
  }
  for (const file of args) {
    const profile = JSON.parse(readFileSync(file, 'utf8')) as { head: AllocationNode };
    console.log(formatAllocations(file, summarizeAllocations(profile.head, top)));
  }
}
