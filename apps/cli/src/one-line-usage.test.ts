// yargs' multi-line usage messages become one line that names the flag.
import { describe, expect, it } from 'vitest';
import { oneLineUsage } from './cli';

describe('oneLineUsage', () => {
  it('an invalid choice names the flag, the value and the choices', () => {
    expect(oneLineUsage('Invalid values:\n  Argument: profile, Given: "turbo", Choices: "smoke", "quick", "full"')).toBe(
      'Invalid value for --profile: "turbo" (choose from "smoke", "quick", "full")',
    );
    expect(oneLineUsage('Invalid values:\n  Argument: method, Given: "bogus", Choices: "grid", "halving"\n  Argument: profile, Given: "x", Choices: "quick"')).toBe(
      'Invalid value for --method: "bogus" (choose from "grid", "halving"); Invalid value for --profile: "x" (choose from "quick")',
    );
  });

  it('a missing implied flag says which flag needs which', () => {
    expect(oneLineUsage('Implications failed:\n  train-csv -> test-csv')).toBe('--train-csv needs --test-csv as well');
  });

  it('leaves one-line messages as they are and joins any other lines', () => {
    expect(oneLineUsage('Unknown argument: bakend')).toBe('Unknown argument: bakend');
    expect(oneLineUsage('first\n  second')).toBe('first second');
  });
});
