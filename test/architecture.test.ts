import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(import.meta.dirname, '../src');

/**
 * Every module of src and what it may import besides itself (docs/architecture.md). A module is a folder
 * (its files, not its subfolders, which are modules of their own) or a top-level file. Imports of types
 * count: a type import is still a dependency a reader has to follow. Keep the table acyclic; a new folder
 * fails the test until it has a row.
 */
const KERNEL = ['errors.ts', 'logger.ts', 'progress.ts', 'version.ts', 'request-timing.ts'];
const ALLOWED: Record<string, readonly string[]> = {
  'errors.ts': [],
  'progress.ts': [],
  'version.ts': [],
  'request-timing.ts': [],
  'rollout-plan.ts': [],
  'config.ts': ['errors.ts'],
  'logger.ts': ['config.ts'],
  db: [...KERNEL, 'config.ts'],
  views: [...KERNEL, 'db', 'http'],
  'views/defs': ['views'],
  auth: [...KERNEL, 'db'],
  http: [...KERNEL, 'db', 'auth'],
  cache: [...KERNEL, 'db', 'http', 'views'],
  metrics: [
    ...KERNEL,
    'db',
    'http',
    'rollout/flags',
    'rollout/experiments',
    'rollout/window',
    'rollout/guard',
  ],
  console: [
    ...KERNEL,
    'config.ts',
    'db',
    'http',
    'auth',
    'cache',
    'metrics',
    'views',
    'rollout/flags',
    'rollout/window',
    'rollout/experiments',
    'rollout/guard',
  ],
  'rollout/flags': [...KERNEL, 'db', 'http'],
  'rollout/window': [...KERNEL, 'db', 'rollout/flags'],
  'rollout/experiments': [...KERNEL, 'db', 'http', 'rollout/flags', 'rollout/window'],
  'rollout/guard': [...KERNEL, 'config.ts', 'db', 'rollout/flags', 'rollout/window', 'rollout/experiments'],
  rollout: [...KERNEL, 'db', 'rollout/flags', 'rollout/window', 'rollout/experiments', 'rollout/guard'],
  'data/import': [...KERNEL, 'db'],
  'data/demo': [...KERNEL, 'db', 'data/import'],
  genes: [...KERNEL, 'db', 'http', 'cache', 'rollout/experiments', 'data/import'],
  'genes/legacy': [...KERNEL, 'db', 'genes'],
  'genes/views': [...KERNEL, 'db', 'genes'],
  'genes/export': [...KERNEL, 'db', 'export', 'genes', 'genes/views'],
  export: [...KERNEL],
  'genes/resolve': [...KERNEL, 'db', 'http'],
  statistics: [...KERNEL, 'db', 'http', 'cache', 'genes', 'data/import'],
  releases: [...KERNEL, 'db', 'http', 'auth', 'genes', 'genes/views', 'genes/export', 'export'],
  logs: [...KERNEL, 'db', 'http', 'rollout/experiments', 'rollout-plan.ts'],
  'logs/legacy': [...KERNEL, 'db', 'logs'],
  'logs/views': [...KERNEL, 'db', 'logs'],
  'logs/request-log': [...KERNEL, 'db', 'auth', 'logs'],
  app: [
    ...KERNEL,
    'config.ts',
    'rollout-plan.ts',
    'db',
    'views',
    'views/defs',
    'auth',
    'http',
    'cache',
    'console',
    'metrics',
    'rollout',
    'rollout/flags',
    'rollout/experiments',
    'rollout/guard',
    'data/demo',
    'genes',
    'genes/legacy',
    'genes/views',
    'genes/resolve',
    'genes/export',
    'export',
    'statistics',
    'releases',
    'logs',
    'logs/legacy',
    'logs/views',
    'logs/request-log',
    'cluster',
  ],
  bench: [
    ...KERNEL,
    'config.ts',
    'db',
    'views',
    'views/defs',
    'data/demo',
    'genes',
    'genes/legacy',
    'genes/views',
    'app',
  ],
  cluster: [...KERNEL],
  backup: [...KERNEL, 'db', 'views', 'views/defs'],
  cli: [...KERNEL, 'config.ts', 'db', 'cli/commands'],
  'cli/commands': [
    ...KERNEL,
    'config.ts',
    'db',
    'views',
    'views/defs',
    'auth',
    'http',
    'rollout/flags',
    'data/demo',
    'data/import',
    'genes',
    'genes/legacy',
    'genes/views',
    'app',
    'bench',
    'cluster',
    'backup',
    'releases',
  ],
};

/**
 * What the views arm runs and the legacy arm (the control of every experiment) must not: the declared views,
 * the view-backed repositories with their SQL builders and row mappers, and the cache in front of them. A
 * defect there must show up as a mismatch, which it cannot if the control runs the same code.
 */
const VIEWS_ARM = [
  'views',
  'genes/views',
  'genes/cached-gene-repository',
  'genes/gene-cache-keys',
  'genes/gene-cache-namespaces',
  'logs/views',
  'logs/log-sort',
  'cache',
];
const LEGACY_ARM = ['genes/legacy', 'logs/legacy'];

interface Import {
  /** The importing file, relative to src. */
  from: string;
  /** The imported file, relative to src, without extension. */
  target: string;
  typeOnly: boolean;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return filesUnder(full);
    return name.endsWith('.ts') ? [full] : [];
  });
}

const FILES = filesUnder(SRC).map((f) => path.relative(SRC, f));

function importsOf(file: string): Import[] {
  const text = readFileSync(path.join(SRC, file), 'utf8');
  return [...text.matchAll(/^\s*(?:import|export)\s+(type\s)?[^'"]*?from\s+['"]([^'"]+)['"]/gm)]
    .filter((m) => (m[2] ?? '').startsWith('.'))
    .map((m) => ({
      from: file,
      target: path.normalize(path.join(path.dirname(file), m[2] ?? '')).replace(/\.js$/, ''),
      typeOnly: m[1] !== undefined,
    }));
}

const IMPORTS = FILES.flatMap(importsOf);

/** The module a file (or an import target without extension) belongs to. */
function moduleOf(file: string): string {
  const dir = path.dirname(file);
  return dir === '.' ? `${file.replace(/\.ts$/, '')}.ts` : dir;
}

const under = (target: string, roots: readonly string[]) =>
  roots.some((root) => target === root || target.startsWith(`${root}/`));

/** The first cycle found in a directed graph, as its nodes in order, or undefined. */
function findCycle(edges: ReadonlyMap<string, ReadonlySet<string>>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): string[] | undefined => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of edges.get(node) ?? []) {
      if (state.get(next) === 'open') return [...stack.slice(stack.indexOf(next)), next];
      if (!state.has(next)) {
        const found = visit(next);
        if (found) return found;
      }
    }
    stack.pop();
    state.set(node, 'done');
    return undefined;
  };
  for (const node of edges.keys()) {
    if (!state.has(node)) {
      const found = visit(node);
      if (found) return found;
    }
  }
  return undefined;
}

function graph(pairs: Iterable<readonly [string, string]>): Map<string, Set<string>> {
  const edges = new Map<string, Set<string>>();
  for (const [from, to] of pairs) {
    if (!edges.has(from)) edges.set(from, new Set());
    edges.get(from)?.add(to);
  }
  return edges;
}

describe('architecture: every module imports only what the table allows', () => {
  const modules = [...new Set(FILES.map(moduleOf))].sort();

  it('every module of src has a row (a new folder needs one)', () => {
    expect(modules.filter((m) => !(m in ALLOWED))).toEqual([]);
  });

  it('the table names only modules that exist', () => {
    const named = new Set([...Object.keys(ALLOWED), ...Object.values(ALLOWED).flat()]);
    expect([...named].filter((m) => !modules.includes(m))).toEqual([]);
  });

  it('the table itself has no cycle', () => {
    expect(
      findCycle(graph(Object.entries(ALLOWED).flatMap(([m, deps]) => deps.map((d) => [m, d] as const)))),
    ).toBe(undefined);
  });

  it.each(modules)('%s', (module) => {
    const allowed = new Set([module, ...(ALLOWED[module] ?? [])]);
    const outside = IMPORTS.filter(
      (i) => moduleOf(i.from) === module && !allowed.has(moduleOf(`${i.target}.ts`)),
    );
    expect(outside.map((i) => `${i.from} → ${i.target}`)).toEqual([]);
  });
});

describe('architecture: no import cycles', () => {
  it('between modules', () => {
    const pairs = IMPORTS.map((i) => [moduleOf(i.from), moduleOf(`${i.target}.ts`)] as const).filter(
      ([a, b]) => a !== b,
    );
    expect(findCycle(graph(pairs))).toBe(undefined);
  });

  it('between files', () => {
    expect(findCycle(graph(IMPORTS.map((i) => [i.from.replace(/\.ts$/, ''), i.target] as const)))).toBe(
      undefined,
    );
  });

  it('the check finds a planted cycle', () => {
    expect(
      findCycle(
        graph([
          ['a', 'b'],
          ['b', 'c'],
          ['c', 'a'],
          ['c', 'd'],
        ]),
      ),
    ).toEqual(['a', 'b', 'c', 'a']);
  });
});

describe('architecture: generic machinery knows nothing of the domain', () => {
  const GENERIC = ['db', 'views', 'cache', 'rollout', 'metrics', 'http', 'auth', 'console'];
  const DOMAIN_WORDS = /'(use_database_views|enable_shadow_testing|views|legacy|gene_[a-z_]+)'/;
  const generic = FILES.filter((f) => under(f, GENERIC) && !under(f, ['views/defs', 'db/migrations']));

  it.each(generic)('%s names no flag, arm or experiment of the genes and logs', (file) => {
    const code = readFileSync(path.join(SRC, file), 'utf8')
      .split('\n')
      .filter((line) => !/^\s*(\/\/|\*|\/\*\*)/.test(line));
    expect(code.filter((line) => DOMAIN_WORDS.test(line))).toEqual([]);
  });
});

describe('architecture: the legacy arm shares nothing but tables and gene_scores with the views arm', () => {
  const legacy = IMPORTS.filter((i) => under(i.from, LEGACY_ARM));

  it('finds the legacy files of both experiments', () => {
    const files = new Set(legacy.map((i) => i.from));
    expect(files).toContain('genes/legacy/legacy-gene-repository.ts');
    expect(files).toContain('logs/legacy/legacy-log-repository.ts');
  });

  it('the check catches an import of a view definition', () => {
    expect(under('views/defs/gene-scores', VIEWS_ARM)).toBe(true);
    expect(under('genes/gene-repository', VIEWS_ARM)).toBe(false);
  });

  // Type-only imports carry no SQL and no behaviour: the arms must agree on the repository interfaces.
  it('no legacy file imports a value of the views arm', () => {
    const shared = legacy.filter((i) => !i.typeOnly && under(i.target, VIEWS_ARM));
    expect(shared.map((i) => `${i.from} → ${i.target}`)).toEqual([]);
  });
});
