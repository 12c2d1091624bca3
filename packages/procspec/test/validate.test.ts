import { describe, expect, it } from 'vitest';
import { detectKind, validate, type Issue } from '@diprocd/procspec';
import { proc } from './helpers.js';

const worker = (...procs: unknown[]) => ({ procs });
const lines = (issues: Issue[]) => issues.map((i) => `${i.severity} ${i.code} ${i.path}: ${i.message}`);

describe('validate', () => {
  it('names path, expectation and finding for a wrong type', () => {
    const result = validate('worker', worker(proc(), proc({ name: 'b', args: 'foo' })));
    expect(result.valid).toBe(false);
    expect(result.value).toBeUndefined();
    expect(lines(result.issues)).toMatchInlineSnapshot(`
      [
        "error DPD_SPEC_TYPE procs[1].args: expected an array of strings, found "foo"",
      ]
    `);
  });

  it('points inside arrays and nested objects', () => {
    const result = validate('worker', worker(proc({ args: ['a', 1], restart_limit: { starts: 0, within: '1m' }, env: { 'A=B': 'x', OK: null } })));
    expect(lines(result.issues)).toMatchInlineSnapshot(`
      [
        "error DPD_SPEC_TYPE procs[0].args[1]: expected a string, found 1",
        "error DPD_SPEC_VALUE procs[0].env["A=B"]: key not allowed here; expected an environment variable name (no "=")",
        "error DPD_SPEC_TYPE procs[0].env.OK: expected a string or a number or true or false, found null",
        "error DPD_SPEC_VALUE procs[0].restart_limit.starts: expected an integer ≥ 1, found 0",
      ]
    `);
  });

  it('reports every missing required key of the root', () => {
    expect(lines(validate('client', {}).issues)).toMatchInlineSnapshot(`
      [
        "error DPD_SPEC_REQUIRED master_stats: required key is missing; expected a ZeroMQ endpoint such as "tcp://127.0.0.1:5555"",
        "error DPD_SPEC_REQUIRED master_updates: required key is missing; expected a ZeroMQ endpoint such as "tcp://127.0.0.1:5555"",
        "error DPD_SPEC_REQUIRED conf_file: required key is missing; expected a non-empty string",
      ]
    `);
  });

  it('reports a root of the wrong type at the empty path', () => {
    expect(validate('worker', [1, 2]).issues).toEqual([
      { severity: 'error', code: 'DPD_SPEC_TYPE', path: '', message: 'expected an object, found an array' },
    ]);
  });

  it('loads a file whose only problems are unknown keys, with a did-you-mean', () => {
    const result = validate('worker', { ...worker(proc({ restrat: false })), $schema: './worker.schema.json' });
    expect(result.valid).toBe(true);
    expect(result.value?.procs[0]?.restart).toBe('always');
    expect(lines(result.issues)).toMatchInlineSnapshot(`
      [
        "warning DPD_SPEC_UNKNOWN_KEY procs[0].restrat: unknown key, ignored; did you mean "restart"?",
      ]
    `);
  });

  it('accepts the key the original ignored (depends) and the richer restart policies', () => {
    for (const restart of [true, false, 'always', 'on-failure', 'never']) {
      expect(validate('proc', proc({ restart, depends: [] })).valid).toBe(true);
    }
  });

  it('rejects resume_below above pause_above, and accepts it equal or absent', () => {
    expect(validate('proc', proc({ load: { pause_above: 2, resume_below: 3 } })).issues.map((i) => i.code)).toEqual(['DPD_SPEC_LOAD_ORDER']);
    expect(validate('proc', proc({ load: { pause_above: 2, resume_below: 2 } })).valid).toBe(true);
    expect(validate('proc', proc({ load: { pause_above: 2 } })).valid).toBe(true);
    expect(validate('proc', proc({ load: { pause_above: 0 } })).issues.map((i) => i.path)).toEqual(['load.pause_above']);
  });

  it('rejects backoff.initial above backoff.max, counting the default max', () => {
    const result = validate('proc', proc({ backoff: { initial: '1m' } }));
    expect(lines(result.issues)).toMatchInlineSnapshot(`
      [
        "error DPD_SPEC_BACKOFF_ORDER backoff.initial: expected at most backoff.max (30000 ms, the default), found 60000 ms",
      ]
    `);
  });

  it('rejects logs with log_pipe, and a zero timeout', () => {
    const result = validate('proc', proc({ logs: '/tmp/x.log', log_pipe: 'logger', timeout: 0 }));
    expect(result.issues.map((i) => `${i.code} ${i.path}`)).toEqual(['DPD_SPEC_CONFLICT log_pipe', 'DPD_SPEC_DURATION timeout']);
  });

  it('checks depends per node in a master file', () => {
    const master = {
      master_stats: 'tcp://127.0.0.1:5001',
      master_updates: 'tcp://127.0.0.1:5002',
      nodes: { node1: [proc({ name: 'db' })], node2: [proc({ depends: ['db'] })] },
    };
    expect(lines(validate('master', master).issues)).toMatchInlineSnapshot(`
      [
        "error DPD_SPEC_DEPENDENCY nodes.node2[0].depends[0]: expected the name of a process in this list, found "db"",
      ]
    `);
  });

  it('refuses a kind it does not know, as a programming error', () => {
    expect(() => validate('nonsense' as 'proc', {})).toThrow(/unknown kind "nonsense"/);
  });
});

describe('detectKind', () => {
  it('tells each kind from its keys', () => {
    expect(detectKind({ procs: [] })).toBe('worker');
    expect(detectKind({ nodes: {} })).toBe('master');
    expect(detectKind({ conf_file: 'x' })).toBe('client');
    expect(detectKind({ node_name: '%H' })).toBe('client');
    expect(detectKind({ cmd: 'true' })).toBe('job');
    expect(detectKind({ run: '/bin/true' })).toBe('proc');
    expect(detectKind({})).toBeUndefined();
    expect(detectKind([])).toBeUndefined();
    expect(detectKind('procs')).toBeUndefined();
  });
});
