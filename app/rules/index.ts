import { tempRange } from './alert-rules.js';
import { deviceIdWellFormed, legalRange, readingTimeStorable, unitKnown } from './constraints.js';
import type { Limits } from './limits.js';
import type { Rule } from './rule.js';

export type { Rule, Constraint, AlertRule, Finding, RaisedAlert } from './rule.js';
export type { ReadingFacts } from './facts.js';
export type { Limits } from './limits.js';
export { factsOf, toFahrenheit, celsiusToFahrenheit } from './facts.js';
export { legalRange, deviceIdWellFormed, readingTimeStorable, unitKnown, LEGAL_MIN_F, LEGAL_MAX_F } from './constraints.js';
export { tempRange, deviceLimits } from './alert-rules.js';
export { checkLimits, crossing } from './limits.js';
export { findViolation, raiseAlerts, constraintsOf, alertRulesOf, checkRuleList } from './evaluate.js';

/** The pipeline's rules: a reading must be in a known unit, legal, storable and from a named device; MIN/MAX raise alerts. */
export function defaultRules(limits: Limits): Rule[] {
  return [legalRange(), unitKnown(), deviceIdWellFormed(), readingTimeStorable(), tempRange(limits)];
}
