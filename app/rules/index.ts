import { tempRange } from './alert-rules.js';
import { deviceIdWellFormed, legalRange, readingTimePlausible, readingTimeStorable, unitKnown, type ReadingWindow } from './constraints.js';
import type { Limits } from './limits.js';
import type { Rule } from './rule.js';

export type { Rule, Constraint, AlertRule, Finding, RaisedAlert } from './rule.js';
export type { ReadingFacts } from './facts.js';
export type { Limits } from './limits.js';
export { factsOf, toFahrenheit, celsiusToFahrenheit } from './facts.js';
export {
  legalRange,
  deviceIdWellFormed,
  readingTimeStorable,
  readingTimePlausible,
  unitKnown,
  DEFAULT_READING_WINDOW,
  LEGAL_MIN_F,
  LEGAL_MAX_F,
  type ReadingWindow,
} from './constraints.js';
export { tempRange, deviceLimits } from './alert-rules.js';
export { checkLimits, crossing } from './limits.js';
export { findViolation, raiseAlerts, raisesAlert, constraintsOf, alertRulesOf, checkRuleList } from './evaluate.js';

/**
 * The pipeline's rules: a reading must be in a known unit, legal, storable and from a named device; MIN/MAX raise
 * alerts. With a window, its time must also be plausible for when it was sent (`start` always gives
 * one; tests whose data carry fixed dates may leave it out).
 */
export function defaultRules(limits: Limits, window?: ReadingWindow): Rule[] {
  const rules: Rule[] = [legalRange(), unitKnown(), deviceIdWellFormed(), readingTimeStorable(), tempRange(limits)];
  if (window) rules.push(readingTimePlausible(window));
  return rules;
}
