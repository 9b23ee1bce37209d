import { KgdbError } from '../errors.js';
import { fileError } from './file-error.js';

/**
 * How an archive's schema version (the name of the latest migration applied where it was made) relates to this
 * build's migrations, given in order. Names start with a zero-padded number (0012_guard-verdicts), so a name
 * this build lacks that sorts after its latest is a later migration; one that sorts before is from a
 * different line of development. Pure.
 */
export function compareSchemaVersion(
  version: string,
  known: readonly string[],
): 'same' | 'older' | 'newer' | 'unknown' {
  const at = known.indexOf(version);
  if (at >= 0) return at === known.length - 1 ? 'same' : 'older';
  const latest = known.at(-1);
  return latest === undefined || version > latest ? 'newer' : 'unknown';
}

/** Refuses an archive this build cannot bring its schema to: a newer or unknown schema version. Pure. */
export function assertRestorable(version: string, known: readonly string[]): void {
  const latest = known.at(-1) ?? '(none)';
  const comparison = compareSchemaVersion(version, known);
  if (comparison === 'newer') {
    throw fileError(
      `the archive's schema version ${version} is newer than this build's latest migration ${latest}: ` +
        'restore it with the kgdb version that made it (or a later one)',
    );
  }
  if (comparison === 'unknown') {
    throw fileError(
      `the archive's schema version ${version} is not a migration this build knows (its latest is ${latest})`,
    );
  }
}

/** The node-pg-migrate run that takes a database from its applied migrations to `target`. */
export interface MigrationStep {
  direction: 'up' | 'down';
  count: number;
}

/**
 * The migrations to run, up or down, so that exactly the known migrations up to `target` are applied; undefined
 * when they already are. A database whose applied migrations are not a prefix of this build's is refused
 * (CONFLICT): their down migrations are not here to undo them. Pure.
 */
export function migrationStep(
  applied: readonly string[],
  target: string,
  known: readonly string[],
): MigrationStep | undefined {
  const foreign = applied.find((name, i) => known[i] !== name);
  if (foreign !== undefined) {
    throw new KgdbError('CONFLICT', {
      detail: `the target database has migration ${foreign} applied, which this build does not have in that place; restore into an empty database instead`,
    });
  }
  const wanted = known.indexOf(target) + 1;
  if (wanted === 0) throw new Error(`migrationStep: ${target} is not a known migration`);
  if (wanted === applied.length) return undefined;
  return wanted > applied.length
    ? { direction: 'up', count: wanted - applied.length }
    : { direction: 'down', count: applied.length - wanted };
}
