import type { Violation } from '../../topology/index.js';
import type { ReadingFacts } from './facts.js';
import type { AlertRule, Constraint, RaisedAlert, Rule } from './rule.js';

const byName = <T extends { readonly name: string }>(a: T, b: T): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** Refuses a list in which two rules share a name: the name is how a person finds the rule. */
export function checkRuleList(rules: readonly Rule[]): readonly Rule[] {
  const seen = new Set<string>();
  for (const rule of rules) {
    if (seen.has(rule.name)) throw new Error(`two rules are named ${rule.name}`);
    seen.add(rule.name);
  }
  return rules;
}

export const constraintsOf = (rules: readonly Rule[]): Constraint[] => rules.filter((r): r is Constraint => r.kind === 'constraint').sort(byName);
export const alertRulesOf = (rules: readonly Rule[]): AlertRule[] => rules.filter((r): r is AlertRule => r.kind === 'alert').sort(byName);

/**
 * Every broken constraint, as one violation: names joined with commas (sorted, so the list's order
 * does not show), messages joined with semicolons. `undefined` when the reading obeys them all.
 */
export function findViolation(constraints: readonly Constraint[], facts: ReadingFacts): Violation | undefined {
  // Runs for every reading and nearly all pass: check first (a loop, no closure), sort only what broke.
  let holdAll = true;
  for (let i = 0; i < constraints.length && holdAll; i++) holdAll = constraints[i]!.holds(facts);
  if (holdAll) return undefined;
  const broken = constraints.filter((c) => !c.holds(facts)).sort(byName);
  return { rule: broken.map((c) => c.name).join(','), message: broken.map((c) => `${c.name}: ${c.explain(facts)}`).join('; ') };
}

/** Whether the reading raises any alert: raiseAlerts without building the list, for every reading's routing. */
export function raisesAlert(alertRules: readonly AlertRule[], facts: ReadingFacts): boolean {
  for (let i = 0; i < alertRules.length; i++) if (alertRules[i]!.findings(facts).length > 0) return true;
  return false;
}

/** Every alert the reading raises, by rule name. */
export function raiseAlerts(alertRules: readonly AlertRule[], facts: ReadingFacts): RaisedAlert[] {
  const raised: RaisedAlert[] = [];
  for (const rule of alertRules) for (const finding of rule.findings(facts)) raised.push({ ...finding, rule: rule.name });
  // Sorted by rule name only when there is something to sort: most readings raise nothing.
  // (a stable sort, so one rule's findings keep their order).
  return raised.length > 1 ? raised.sort((a, b) => (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0)) : raised;
}
