import { describe, expect, it } from 'vitest';
import { copyField, copyRow, isoTimestamp, textArrayLiteral } from '../../src/data/demo/copy-text.js';

describe('COPY text format', () => {
  it('escapes backslash, newline, carriage return and tab; writes NULL as \\N', () => {
    expect(copyField('a\\b\nc\rd\te')).toBe('a\\\\b\\nc\\rd\\te');
    expect(copyField(null)).toBe('\\N');
    expect(copyField(undefined)).toBe('\\N');
    expect(copyField(12.5)).toBe('12.5');
    expect(copyField('plain')).toBe('plain');
  });

  it('rejects what COPY cannot carry', () => {
    expect(() => copyField('a\0b')).toThrow('NUL');
    expect(() => copyField(Number.NaN)).toThrow('not finite');
  });

  it('joins fields with tabs and ends the row with a newline', () => {
    expect(copyRow(['x', null, 3])).toBe('x\t\\N\t3\n');
  });

  it('keeps a JSON string with escapes intact through the COPY escaping', () => {
    const json = JSON.stringify({ message: 'line 1\nline 2 "quoted" \\ end' });
    // COPY un-escapes \\ to \, giving back exactly the JSON text.
    const unescaped = copyField(json).replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    expect(unescaped).toBe(json);
  });

  it('quotes text[] elements and escapes quotes and backslashes inside them', () => {
    expect(textArrayLiteral([])).toBe('{}');
    expect(textArrayLiteral(['PBP', 'Pc-1', 'a"b', 'c\\d', 'x,y'])).toBe(
      '{"PBP","Pc-1","a\\"b","c\\\\d","x,y"}',
    );
  });

  it('isoTimestamp prints exactly what Date#toISOString does', () => {
    const samples = [
      0,
      951_782_400_000,
      1_709_164_800_123,
      Date.UTC(2025, 11, 31, 23, 59, 59, 999),
      4_102_444_800_000,
    ];
    for (let i = 0; i < 2000; i++) samples.push(Math.floor(((i * 7919) % 2000) * 1.3e9 + i * 37));
    for (const ms of samples) expect(isoTimestamp(ms)).toBe(new Date(ms).toISOString());
  });
});
