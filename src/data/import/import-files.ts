import { tryXactLock } from '../../db/advisory.js';
import { type Pool, type PoolClient, withTransaction } from '../../db/pool.js';
import { KgdbError } from '../../errors.js';
import { type Progress, silentProgress } from '../../progress.js';
import { collectEvidence, type EvidencePlan, targetId } from './collect-evidence.js';
import { countEvidence } from './count-evidence.js';
import { checkIdOwners, mergeIdentifiers, type StoredIdentifiers } from './gene-identifiers.js';
import { type BatchGene, groupByGene, symbolKey } from './group-by-gene.js';
import {
  type EvidenceRow,
  evidenceKey,
  findEvidence,
  findGenes,
  findIdHolders,
  insertEvidence,
  insertGenes,
  linkHgncIds,
  updateEvidence,
  updateIdentifiers,
} from './import-queries.js';
import { FILE_KINDS, type FileKind, type ImportSummary, type ParsedFile } from './import-types.js';
import { mergeEvidence } from './merge-evidence.js';
import { parseInputFile } from './parse-input-file.js';
import { listInputFiles, readInputFile } from './read-inputs.js';
import { type ExistingGene, type GeneTarget, resolveGenes } from './resolve-genes.js';

const IMPORT_LOCK = 'kgdb:import';

/**
 * `kgdb import`: reads and validates every file first (nothing touches the database before all of
 * them parsed), then writes everything in one transaction with set-based statements. Any bad input
 * throws INVALID_INPUT naming the file and the entry, and nothing of the run is written.
 */
export async function importFiles(
  pool: Pool,
  paths: string[],
  progress: Progress = silentProgress,
): Promise<ImportSummary> {
  const parsed = await readAndParse(paths, progress);
  const batch = groupByGene(parsed.flatMap((f) => f.contributions));
  const files = Object.fromEntries(FILE_KINDS.map((k) => [k, 0])) as Record<FileKind, number>;
  for (const f of parsed) files[f.kind] += 1;
  const written = await withTransaction(pool, (client) => writeBatch(client, batch, progress));
  return { files, ...written };
}

async function readAndParse(paths: string[], progress: Progress): Promise<ParsedFile[]> {
  const files = await listInputFiles(paths);
  progress.start('reading files', files.length);
  try {
    const parsed: ParsedFile[] = [];
    for (const file of files) {
      parsed.push(parseInputFile(file, await readInputFile(file)));
      progress.advance(1);
    }
    return parsed;
  } finally {
    progress.done();
  }
}

async function writeBatch(
  client: PoolClient,
  batch: BatchGene[],
  progress: Progress,
): Promise<Omit<ImportSummary, 'files'>> {
  // Two imports merging into the same rows at once would each miss the other's sets, so the second is refused.
  if (!(await tryXactLock(client, IMPORT_LOCK))) {
    throw new KgdbError('CONFLICT', { detail: 'another import is running; try again when it has finished' });
  }
  const existing = await findGenes(
    client,
    batch.flatMap((g) => (g.hgncId === null ? [] : [g.hgncId])),
    [...new Set(batch.map((g) => symbolKey(g.symbol)))],
  );
  const targets = resolveGenes(batch, existing);
  const identified = await planIdentifiers(client, batch, targets, existing);
  const plans = collectEvidence(batch, targets);
  const all = [...targets.values()];
  const newGenes = all.filter((t) => t.kind === 'new');
  progress.start('writing', newGenes.length + plans.length);
  try {
    const newIds = await insertGenes(
      client,
      newGenes.map((t) => ({ ...t, ids: identifiersOf(identified, t) })),
    );
    progress.advance(newGenes.length);
    const hgncLinked = await linkHgncIds(
      client,
      all.filter((t) => t.kind === 'link'),
    );
    const identifiersUpdated = await updateIdentifiers(
      client,
      [...identified.values()].flatMap(({ target, ids }) =>
        target.kind === 'new' ? [] : [{ id: target.id, ids }],
      ),
    );
    const geneIdOf = (t: GeneTarget): number => {
      const id = t.kind === 'new' ? newIds.get(t.key) : t.id;
      if (id === undefined) throw new Error(`import: new gene ${t.kind === 'new' ? t.key : ''} got no id`);
      return id;
    };
    const evidence = await writeEvidence(client, plans, geneIdOf);
    progress.advance(plans.length);
    const existingIds = new Set(all.flatMap((t) => (t.kind === 'new' ? [] : [t.id])));
    return {
      genes: { created: newIds.size, existing: existingIds.size, hgncLinked, identifiersUpdated },
      ...evidence,
    };
  } finally {
    progress.done();
  }
}

/**
 * Each target row's identifiers after this run (gene-identifiers.ts), checked against the genes already holding
 * the Ensembl and NCBI ids. Several batch genes can land on one row: each merges over the previous one's result.
 */
async function planIdentifiers(
  client: PoolClient,
  batch: BatchGene[],
  targets: Map<string, GeneTarget>,
  existing: (ExistingGene & StoredIdentifiers)[],
): Promise<Map<string, PlannedIdentifiers>> {
  const stored = new Map(existing.map((g) => [g.id, g]));
  const planned = new Map<string, PlannedIdentifiers>();
  for (const gene of batch) {
    const target = targets.get(gene.key);
    if (!target) throw new Error(`import: batch gene ${gene.key} was not resolved`);
    const key = targetId(target);
    const before = planned.get(key)?.ids ?? (target.kind === 'new' ? undefined : stored.get(target.id));
    planned.set(key, { target, gene, ids: mergeIdentifiers(gene, before) });
  }
  const all = [...planned.entries()].map(([key, p]) => ({ ...p, target: key }));
  checkIdOwners(
    all,
    await findIdHolders(
      client,
      all.map((p) => p.ids),
    ),
    (id) => `id:${id}`,
  );
  return planned;
}

interface PlannedIdentifiers {
  target: GeneTarget;
  gene: BatchGene;
  ids: StoredIdentifiers;
}

function identifiersOf(planned: Map<string, PlannedIdentifiers>, target: GeneTarget): StoredIdentifiers {
  const ids = planned.get(targetId(target))?.ids;
  if (!ids) throw new Error(`import: no identifiers planned for ${targetId(target)}`);
  return ids;
}

async function writeEvidence(
  client: PoolClient,
  plans: EvidencePlan[],
  geneIdOf: (t: GeneTarget) => number,
): Promise<Pick<ImportSummary, 'evidence' | 'bySource'>> {
  const stored = await findEvidence(
    client,
    plans
      .filter((p) => p.target.kind !== 'new')
      .map((p) => ({ geneId: geneIdOf(p.target), source: p.source })),
  );
  const rows: EvidenceRow[] = plans.map((p) => {
    const geneId = geneIdOf(p.target);
    const merged = mergeEvidence(p.source, stored.get(evidenceKey(geneId, p.source)), p.contributions);
    return { gene_id: geneId, source_name: p.source, ...merged };
  });
  const isStored = (r: EvidenceRow) => stored.has(evidenceKey(r.gene_id, r.source_name));
  const created = await insertEvidence(
    client,
    rows.filter((r) => !isStored(r)),
  );
  const updated = await updateEvidence(client, rows.filter(isStored));
  return countEvidence(
    plans.map((p) => p.source),
    created,
    updated,
  );
}
