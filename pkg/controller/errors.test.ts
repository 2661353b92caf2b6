import { TerminalError, isTerminalError } from './errors';

function causeChain(depth: number, last: unknown): Error {
  let err = new Error('outer', { cause: last });
  for (let i = 1; i < depth; i++) err = new Error(`wrap ${i}`, { cause: err });
  return err;
}

const cyclic = new Error('a');
cyclic.cause = new Error('b', { cause: cyclic });

describe('isTerminalError', () => {
  it.each([
    { name: 'a TerminalError', err: new TerminalError('bad spec'), want: true },
    { name: 'one wrapped as a cause', err: causeChain(1, new TerminalError('x')), want: true },
    { name: 'one seven causes deep', err: causeChain(7, new TerminalError('x')), want: true },
    { name: 'one past the depth bound', err: causeChain(9, new TerminalError('x')), want: false },
    { name: 'an error from another copy of the module (same code)', err: Object.assign(new Error('x'), { code: 'Terminal' }), want: true },
    { name: 'a plain Error', err: new Error('timeout'), want: false },
    { name: 'an error with another code', err: Object.assign(new Error('x'), { code: 'StaleFencingToken' }), want: false },
    { name: 'a plain object with the code', err: { code: 'Terminal' }, want: false },
    { name: 'a string', err: 'Terminal', want: false },
    { name: 'undefined', err: undefined, want: false },
    { name: 'a cycle of causes', err: cyclic, want: false },
  ])('says $want for $name', ({ err, want }) => {
    expect(isTerminalError(err)).toBe(want);
  });

  it('keeps message, name and cause', () => {
    const cause = new Error('401');
    const err = new TerminalError('unauthorized', { cause });
    expect([err.message, err.name, err.cause, err.code]).toEqual(['unauthorized', 'TerminalError', cause, 'Terminal']);
  });
});
