import type { Type } from 'avsc';

/** Lists every path at which `value` does not fit `type`, as `field.sub: got <value>`. */
export function avroProblems(type: Type, value: unknown): string[] {
  const problems: string[] = [];
  type.isValid(value, {
    errorHook: (path: string[], got: unknown) => {
      problems.push(`${path.join('.') || '(root)'}: got ${describeValue(got)}`);
    },
  });
  return problems;
}

function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  if (typeof v === 'bigint') return `${v}n`;
  let text: string | undefined;
  try {
    text = JSON.stringify(v); // throws on a cycle
  } catch {
    text = undefined;
  }
  if (text === undefined) return `a ${typeof v}`;
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
