// Which failures the CLI prints as fixable (message and hint, no stack-trace advice): FmnistErrors
// by @fmnist/core's brand, also after a worker boundary; anything else is a bug.
import { describe, expect, it } from 'vitest';
import { FmnistError, fromErrorData, toErrorData } from '@fmnist/core';
import { CliError, formatError, isUserError } from './errors';

describe('isUserError / formatError', () => {
  it('prints a FmnistError rebuilt after a worker boundary with its file named and its hint, without stack advice', () => {
    class WeightsError extends FmnistError {}
    const thrown = new WeightsError('No VGG16 weights in /cache/w', { file: '/cache/w', hint: 'Set FMNIST_VGG16_WEIGHTS.' });
    const e = fromErrorData(structuredClone(toErrorData(thrown)));
    expect(isUserError(e)).toBe(true);
    expect(formatError(e, false)).toBe('error: No VGG16 weights in /cache/w\nSet FMNIST_VGG16_WEIGHTS.');
  });

  it('treats errors that only look like FmnistErrors (name or a hint property) as bugs', () => {
    const named = Object.assign(new Error('undefined is not a function'), { name: 'DataError' });
    const hinted = Object.assign(new TypeError('x is undefined'), { hint: 'not a user hint' });
    for (const e of [named, hinted, new RangeError('bad index')]) {
      expect(isUserError(e)).toBe(false);
      expect(formatError(e, false)).toMatch(/run again with --verbose/);
    }
    expect(isUserError(new CliError('no such model', { file: '/m' }))).toBe(true);
  });
});
