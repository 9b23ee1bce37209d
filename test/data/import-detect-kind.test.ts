import { describe, expect, it } from 'vitest';
import { describeJsonError, detectKind } from '../../src/data/import/detect-kind.js';
import { KgdbError, toError } from '../../src/errors.js';

function errorOf(fn: () => unknown): KgdbError {
  try {
    fn();
  } catch (raw) {
    const err = toError(raw);
    if (err instanceof KgdbError) return err;
    throw err;
  }
  throw new Error('expected an error');
}

const jsonError = (text: string) => {
  try {
    JSON.parse(text);
  } catch (raw) {
    return describeJsonError(text, toError(raw));
  }
  throw new Error('expected invalid JSON');
};

describe('detectKind: the kind comes from the content, never the name', () => {
  it('a JSON object with provider_name and genes is a DiagnosticPanels file', () => {
    const got = detectKind('x.jsonl', JSON.stringify({ provider_name: 'Lab', genes: [] }));
    expect(got.kind).toBe('DiagnosticPanels');
  });

  it('a JSON object with pmid and genes is a Literature file, even minified on one line', () => {
    expect(detectKind('x.json', '\uFEFF{"pmid":"1","genes":[]}').kind).toBe('Literature');
  });

  it('one JSON object per line is JSON Lines, blank lines skipped, line numbers kept', () => {
    const text = '{"source_name":"HPO"}\r\n\r\n{"source_name":"GenCC"}\n';
    expect(detectKind('x.json', text)).toEqual({
      kind: 'JsonLines',
      lines: [
        { line: 1, value: { source_name: 'HPO' } },
        { line: 3, value: { source_name: 'GenCC' } },
      ],
    });
  });

  it('a single JSON Lines row is JSON Lines too', () => {
    expect(detectKind('x.jsonl', '{"approved_symbol":"A","source_name":"HPO","evidence_data":{}}').kind).toBe(
      'JsonLines',
    );
  });

  it.each([
    ['an empty file', '  \n', 'f.json: the file is empty'],
    [
      'a JSON array',
      '[{"symbol": "PKD1"}]',
      /^f\.json: not an import file: expected a DiagnosticPanels object/,
    ],
    ['an object without genes', '{"provider_name": "Lab"}', /^f\.json: not an import file/],
    [
      'an object with both provider_name and pmid',
      '{"provider_name": "Lab", "pmid": "1", "genes": []}',
      'f.json: has both provider_name and pmid; cannot tell DiagnosticPanels from Literature',
    ],
    ['a bad JSON Lines line', '{"a": 1}\n{"a": 2\n', /^f\.json: line 2: invalid JSON \(Expected .+\)$/],
    [
      'pretty-printed JSON with an error',
      '{\n  "provider_name": "Lab",\n  "genes": [,]\n}',
      /^f\.json: invalid JSON at line 3, column 13 \(Unexpected token ','\)$/,
    ],
  ])('rejects %s', (_name, text, expected) => {
    const err = errorOf(() => detectKind('f.json', text));
    expect(err.code).toBe('INVALID_INPUT');
    expect(err.parameter).toBe('f.json');
    if (typeof expected === 'string') expect(err.message).toBe(expected);
    else expect(err.message).toMatch(expected);
  });
});

describe('describeJsonError: V8 offsets become line and column', () => {
  it('reads "at position N"', () => {
    expect(jsonError('{\n "a": 1\n "b": 2}')).toBe(
      "at line 3, column 2 (Expected ',' or '}' after property value)",
    );
  });

  it('reads the quoted context of "Unexpected token" in a long text', () => {
    const text = `{\n  "genes": [\n    {"symbol": tru}\n  ],\n  "provider_name": "a long enough name"\n}`;
    expect(jsonError(text)).toBe("at line 3, column 19 (Unexpected token '}')");
  });

  it('reads a token near the start', () => {
    expect(jsonError('{"a": x, "bbbbbbbbbbbbbbbbbbbbbbbbbbb": 1}')).toBe(
      "at line 1, column 7 (Unexpected token 'x')",
    );
  });

  it('says what it can when there is no position', () => {
    expect(jsonError('{"a": ')).toBe('(Unexpected end of JSON input)');
  });
});
