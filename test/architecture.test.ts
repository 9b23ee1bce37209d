import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(import.meta.dirname, '../src');

/** Generic machinery (folder or file under src) → domain code it must never import. */
const MACHINERY = ['db', 'views', 'rollout', 'cache', 'metrics', 'progress.ts', 'errors.ts', 'config.ts'];
const DOMAIN = ['genes', 'logs', 'statistics', 'views/defs', 'data'];

function filesUnder(target: string): string[] {
  if (!statSync(target, { throwIfNoEntry: false })) return [];
  if (statSync(target).isFile()) return target.endsWith('.ts') ? [target] : [];
  return readdirSync(target).flatMap((name) => filesUnder(path.join(target, name)));
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/gm)]
    .map((m) => m[1] ?? '')
    .filter((spec) => spec.startsWith('.'))
    .map((spec) => path.relative(SRC, path.resolve(path.dirname(file), spec)));
}

describe('STYLE rule 2: generic machinery never imports domain code', () => {
  const machineryFiles = MACHINERY.flatMap((entry) => filesUnder(path.join(SRC, entry))).filter(
    (file) => !path.relative(SRC, file).startsWith(`views${path.sep}defs`),
  );

  it('finds the machinery files it checks', () => {
    expect(machineryFiles.length).toBeGreaterThan(5);
  });

  it.each(machineryFiles.map((f) => [path.relative(SRC, f), f]))('%s', (_name, file) => {
    const violations = importsOf(file).filter((target) =>
      DOMAIN.some((domain) => target === domain || target.startsWith(`${domain}/`)),
    );
    expect(violations).toEqual([]);
  });
});
