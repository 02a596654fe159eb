import { describe, expect, it } from 'vitest';
import {
  DEFAULT_ERROR_POLICIES,
  DeserializationError,
  ERROR_CLASSES,
  FatalTopologyError,
  ProcessingError,
  ProductionError,
  SinkError,
  TopologyError,
  TransientError,
  ValidationError,
  classify,
  errorMessage,
} from './errors.js';

describe('error classes', () => {
  it.each([
    [new DeserializationError('d', 3), 'deserialization', 'DeserializationError'],
    [new ValidationError('rule', 'v'), 'validation', 'ValidationError'],
    [new ProcessingError('p'), 'processing', 'ProcessingError'],
    [new SinkError('s', false), 'sink', 'SinkError'],
    [new ProductionError('o'), 'production', 'ProductionError'],
  ] as const)('%s has class %s and name %s', (error, errorClass, name) => {
    expect(error).toBeInstanceOf(TopologyError);
    expect(error).toBeInstanceOf(Error);
    expect(error.errorClass).toBe(errorClass);
    expect(error.name).toBe(name);
  });

  it('lists every class once, each with a default policy of dlq', () => {
    expect([...ERROR_CLASSES].sort()).toEqual(['deserialization', 'processing', 'production', 'sink', 'validation']);
    for (const c of ERROR_CLASSES) expect(DEFAULT_ERROR_POLICIES[c]).toBe('dlq');
  });

  it('keeps the extra fields: schema id, rule, transient, cause', () => {
    const cause = new Error('root');
    expect(new DeserializationError('d', 42, { cause }).schemaId).toBe(42);
    expect(new DeserializationError('d', 42, { cause }).cause).toBe(cause);
    expect(new DeserializationError('d').schemaId).toBeUndefined();
    expect(new ValidationError('level-range', 'too hot')).toMatchObject({ rule: 'level-range', message: 'too hot' });
    expect(new SinkError('s', true).transient).toBe(true);
    expect(new SinkError('s', false, { cause }).cause).toBe(cause);
  });

  it('makes a validation error without a stack, and leaves stack capture on for every other error', () => {
    const before = Error.stackTraceLimit;
    expect(new ValidationError('r', 'm').stack).toBe('ValidationError: m');
    expect(Error.stackTraceLimit).toBe(before);
    expect(new SinkError('s', false).stack).toMatch(/\n\s+at /);
  });

  it('keeps transient and fatal errors out of the record classes', () => {
    expect(new TransientError('t')).not.toBeInstanceOf(TopologyError);
    expect(new TransientError('t').name).toBe('TransientError');
    expect(new FatalTopologyError('f')).not.toBeInstanceOf(TopologyError);
    expect(new FatalTopologyError('f').name).toBe('FatalTopologyError');
  });
});

describe('classify', () => {
  it('returns a TopologyError as it is', () => {
    const v = new ValidationError('r', 'm');
    expect(classify(v)).toBe(v);
    const s = new SinkError('s', false);
    expect(classify(s)).toBe(s);
  });

  it('turns any other Error into a ProcessingError with the same message and the error as cause', () => {
    const err = new TypeError('cannot read properties of undefined');
    const c = classify(err);
    expect(c).toBeInstanceOf(ProcessingError);
    expect(c.errorClass).toBe('processing');
    expect(c.message).toBe('cannot read properties of undefined');
    expect(c.cause).toBe(err);
  });

  it('turns a thrown non-Error into a ProcessingError with its text', () => {
    expect(classify('plain string').message).toBe('plain string');
    expect(classify(42).message).toBe('42');
    expect(classify(undefined)).toBeInstanceOf(ProcessingError);
  });
});

describe('errorMessage', () => {
  it('reads an Error message, or stringifies anything else', () => {
    expect(errorMessage(new Error('m'))).toBe('m');
    expect(errorMessage('s')).toBe('s');
    expect(errorMessage(null)).toBe('null');
  });
});
