import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { KgdbError, toError } from '../../errors.js';
import { inputError } from './input-error.js';

const IMPORTABLE = /\.jsonl?$/i;

/**
 * The files an import reads, in order: each argument as given, a directory replaced by its *.json and
 * *.jsonl files sorted by name (not recursive). A file named twice (directly and through its directory)
 * is read once, at its first place, so that the same JSON Lines row is not seen as a duplicate of itself.
 */
export async function listInputFiles(paths: string[]): Promise<string[]> {
  if (paths.length === 0) {
    throw new KgdbError('INVALID_INPUT', { parameter: 'files', detail: 'no file or directory to import' });
  }
  const files: string[] = [];
  for (const p of paths) files.push(...(await expand(p)));
  const seen = new Set<string>();
  return files.filter((f) => {
    const abs = path.resolve(f);
    if (seen.has(abs)) return false;
    seen.add(abs);
    return true;
  });
}

async function expand(p: string): Promise<string[]> {
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(p)).isDirectory();
  } catch (raw) {
    throw inputError(p, '', `cannot read (${toError(raw).message})`, raw);
  }
  if (!isDirectory) return [p];
  const entries = await readdir(p, { withFileTypes: true }).catch((raw: unknown) => {
    throw inputError(p, '', `cannot list the directory (${toError(raw).message})`, raw);
  });
  const names = entries
    .filter((e) => (e.isFile() || e.isSymbolicLink()) && IMPORTABLE.test(e.name))
    .map((e) => e.name)
    .sort();
  // An empty directory is almost always a wrong path; importing nothing silently would hide that.
  if (names.length === 0) throw inputError(p, '', 'the directory has no *.json or *.jsonl files');
  return names.map((name) => path.join(p, name));
}

export async function readInputFile(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (raw) {
    throw inputError(file, '', `cannot read (${toError(raw).message})`, raw);
  }
}
