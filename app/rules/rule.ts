import type { AlertDirection } from '../../schemas/index.js';
import type { ReadingFacts } from './facts.js';

/**
 * Rules are data: a list of declarations the topology iterates, in the spirit of LogicBank. Adding a
 * rule is adding an entry; no operator changes. Order does not matter: every constraint is checked
 * and every alert rule evaluated, and results are sorted by rule name.
 */
export type Rule = Constraint | AlertRule;

/** Must hold for every reading; a reading that breaks one goes to the DLQ and is not stored. */
export interface Constraint {
  readonly kind: 'constraint';
  /** Names the rule in the DLQ header (`dlq.error.rule`) and in logs. Unique in a rule list. */
  readonly name: string;
  /** What must hold, in plain words. */
  readonly description: string;
  holds(facts: ReadingFacts): boolean;
  /** Why this reading breaks the rule, for a person reading the DLQ. */
  explain(facts: ReadingFacts): string;
}

/** Looks at every valid reading and may find limits crossed, each becoming a TempRangeAlert. */
export interface AlertRule {
  readonly kind: 'alert';
  readonly name: string;
  readonly description: string;
  findings(facts: ReadingFacts): readonly Finding[];
}

/** A limit crossed. Every temperature is in °F. */
export interface Finding {
  readonly direction: AlertDirection;
  /** The limit that was crossed. */
  readonly bound: number;
  /** The limits in force for this reading. */
  readonly minTemp: number;
  readonly maxTemp: number;
}

/** A finding with the name of the rule that made it. */
export interface RaisedAlert extends Finding {
  readonly rule: string;
}
