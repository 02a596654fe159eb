import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IllegalRunnerTransition, RUNNER_TRANSITIONS, RunnerLifecycle, type RunnerState } from './runner-state.js';

const STATES = Object.keys(RUNNER_TRANSITIONS) as RunnerState[];
const ENDING: readonly RunnerState[] = ['stopping', 'stopped', 'failed'];

describe('RunnerLifecycle', () => {
  it('starts idle and follows the happy path idle → starting → running → stopping → stopped', () => {
    const l = new RunnerLifecycle();
    expect(l.state).toBe('idle');
    for (const s of ['starting', 'running', 'stopping', 'stopped'] as const) l.moveTo(s);
    expect(l.state).toBe('stopped');
  });

  it('refuses a stopped or stopping runner going back to running, and stays where it was', () => {
    const l = new RunnerLifecycle();
    l.moveTo('starting');
    l.moveTo('stopping');
    expect(() => l.moveTo('running')).toThrow(IllegalRunnerTransition);
    expect(l.state).toBe('stopping');
  });

  it('follows exactly the table: a move succeeds if and only if the table lists it', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...STATES), { maxLength: 30 }), (moves) => {
        const l = new RunnerLifecycle();
        for (const to of moves) {
          const from = l.state;
          const legal = RUNNER_TRANSITIONS[from].includes(to);
          if (legal) l.moveTo(to);
          else expect(() => l.moveTo(to)).toThrow(IllegalRunnerTransition);
          expect(l.state).toBe(legal ? to : from);
        }
      }),
    );
  });

  it('never reaches starting or running again once it was stopping, stopped or failed', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...STATES), { maxLength: 40 }), (moves) => {
        const l = new RunnerLifecycle();
        let ended = false;
        for (const to of moves) {
          if (!l.canMoveTo(to)) continue;
          l.moveTo(to);
          if (ENDING.includes(l.state)) ended = true;
          if (ended) {
            expect(l.ending).toBe(true);
            expect(['starting', 'running', 'idle']).not.toContain(l.state);
          }
        }
      }),
    );
  });

  it('has a terminal state, stopped, that every state reaches', () => {
    expect(RUNNER_TRANSITIONS.stopped).toEqual([]);
    for (const from of STATES) {
      const seen = new Set<RunnerState>([from]);
      const queue = [from];
      while (queue.length > 0) {
        for (const next of RUNNER_TRANSITIONS[queue.shift()!]) {
          if (seen.has(next)) continue;
          seen.add(next);
          queue.push(next);
        }
      }
      expect(seen.has('stopped') || from === 'stopped').toBe(true);
    }
  });
});
