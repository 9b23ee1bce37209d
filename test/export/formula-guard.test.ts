import { describe, expect, it } from 'vitest';
import { guardFormula } from '../../src/export/formula-guard.js';

describe('guardFormula', () => {
  it.each([
    ['=1+1', "'=1+1"],
    ['+SUM(A1)', "'+SUM(A1)"],
    ['-2+3', "'-2+3"],
    ['@cmd', "'@cmd"],
    ['\t=1', "'\t=1"],
    ['\r=1', "'\r=1"],
    ['=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'],
  ])('marks %j as text', (value, guarded) => {
    expect(guardFormula(value)).toBe(guarded);
  });

  it.each(['PKD1', 'HGNC:9008', '', 'a=b', "'=already", ' =1', 'ü=1'])('leaves %j as it is', (value) => {
    expect(guardFormula(value)).toBe(value);
  });
});
