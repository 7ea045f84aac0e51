import { describe, expect, it } from 'vitest';
import { JsonLineError, parseJsonLines } from './json-lines';

describe('parseJsonLines', () => {
  it('reads one value a line, skipping blank lines', () => {
    expect(parseJsonLines('{"e":1}\n\n{"e":2}\n')).toEqual({ values: [{ e: 1 }, { e: 2 }] });
  });

  it('leaves out a torn last line (no newline after it) and reports it', () => {
    expect(parseJsonLines('{"e":1}\n{"e":')).toEqual({ values: [{ e: 1 }], torn: { line: 2, length: 5 } });
  });

  it('a bad line before the last, or a bad last line that ends with a newline, is corruption', () => {
    expect(() => parseJsonLines('garbage\n{"e":1}\n')).toThrow(JsonLineError);
    const e = (() => {
      try {
        parseJsonLines('{"e":1}\n{"e":\n');
      } catch (err) {
        return err as JsonLineError;
      }
    })();
    expect(e?.line).toBe(2);
    expect(e?.message).toMatch(/^line 2: /);
  });
});
