import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(import.meta.dirname, '../src');

/** Generic machinery (folder or file under src) → domain code it must never import. */
const MACHINERY = ['db', 'views', 'rollout', 'cache', 'metrics', 'progress.ts', 'errors.ts', 'config.ts'];
const DOMAIN = ['genes', 'logs', 'statistics', 'views/defs', 'data'];

/**
 * What the views arm runs and the legacy arm (the control of every experiment) must not: the declared views
 * and the view-backed repositories with their SQL builders and row mappers. A defect there must show up as a
 * mismatch, which it cannot if the control runs the same code.
 */
const VIEWS_ARM = [
  'views',
  'cache-wiring',
  'genes/gene-list-sql',
  'genes/gene-rows',
  'genes/sql-gene-repository',
  'genes/view-gene-repository',
  'logs/log-list-sql',
  'logs/log-skip-sql',
  'logs/log-stats-sql',
  'logs/log-reader',
  'logs/log-sort',
  'logs/log-sql-base',
  'logs/view-log-repository',
];

function filesUnder(target: string): string[] {
  if (!statSync(target, { throwIfNoEntry: false })) return [];
  if (statSync(target).isFile()) return target.endsWith('.ts') ? [target] : [];
  return readdirSync(target).flatMap((name) => filesUnder(path.join(target, name)));
}

/** Relative imports as paths under src without extension; `import type` lines only when `withTypes`. */
function importsOf(file: string, { withTypes = true } = {}): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^\s*(?:import|export)\s+(type\s)?[^'"]*?from\s+['"]([^'"]+)['"]/gm)]
    .filter((m) => withTypes || m[1] === undefined)
    .map((m) => m[2] ?? '')
    .filter((spec) => spec.startsWith('.'))
    .map((spec) => path.relative(SRC, path.resolve(path.dirname(file), spec)).replace(/\.js$/, ''));
}

const under = (target: string, roots: readonly string[]) =>
  roots.some((root) => target === root || target.startsWith(`${root}/`));

describe('architecture: generic machinery never imports domain code', () => {
  const machineryFiles = MACHINERY.flatMap((entry) => filesUnder(path.join(SRC, entry))).filter(
    (file) => !path.relative(SRC, file).startsWith(`views${path.sep}defs`),
  );

  it('finds the machinery files it checks', () => {
    expect(machineryFiles.length).toBeGreaterThan(5);
  });

  it.each(machineryFiles.map((f) => [path.relative(SRC, f), f]))('%s', (_name, file) => {
    expect(importsOf(file).filter((target) => under(target, DOMAIN))).toEqual([]);
  });
});

describe('architecture: the legacy arm shares nothing but tables and gene_scores with the views arm', () => {
  const legacyFiles = ['genes', 'logs']
    .flatMap((dir) => filesUnder(path.join(SRC, dir)))
    .filter((file) => path.basename(file).startsWith('legacy-'));

  it('finds the legacy files of both experiments', () => {
    const names = legacyFiles.map((f) => path.relative(SRC, f));
    expect(names).toContain('genes/legacy-gene-repository.ts');
    expect(names).toContain('logs/legacy-log-repository.ts');
  });

  it('the check catches an import of a view definition', () => {
    expect(under('views/defs/gene-scores', VIEWS_ARM)).toBe(true);
    expect(under('genes/gene-repository', VIEWS_ARM)).toBe(false);
  });

  // Type-only imports carry no SQL and no behaviour: the arms must agree on the repository interfaces.
  it.each(legacyFiles.map((f) => [path.relative(SRC, f), f]))('%s', (_name, file) => {
    expect(importsOf(file, { withTypes: false }).filter((target) => under(target, VIEWS_ARM))).toEqual([]);
  });
});
