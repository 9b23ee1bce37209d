import { describe, expect, it } from 'vitest';
import { dataDirProblem } from '../../src/db/data-dir.js';

const problem = (fault: Parameters<typeof dataDirProblem>[0]) => dataDirProblem(fault, 'kgdb');

describe('dataDirProblem: why KGDB_DATA_DIR cannot hold the cluster', () => {
  it('something that is not a directory is there', () => {
    expect(problem({ step: 'exists', kind: 'file' })).toBe('it is a file');
    expect(problem({ step: 'exists', kind: 'other' })).toBe('it is not a directory');
  });

  it('creating it failed: says which way, never a bare errno', () => {
    const create = (code: string) => problem({ step: 'create', code, message: `${code}: mkdir` });
    expect(create('ENOTDIR')).toBe('a parent of it is a file');
    expect(create('EEXIST')).toBe('it is not a directory');
    expect(create('ENOENT')).toBe('it, or a directory above it, is a symbolic link to nothing');
    expect(create('EACCES')).toBe('user kgdb may not create it (permission denied in a directory above it)');
    expect(create('EPERM')).toBe(create('EACCES'));
    expect(create('EROFS')).toBe('it is on a read-only file system');
    expect(create('ENOSPC')).toBe('it cannot be created (ENOSPC: mkdir)');
  });

  it('it exists but this user may not use it', () => {
    const use = (code: string | undefined) => problem({ step: 'use', code, message: `${code}: access` });
    expect(use('EACCES')).toBe('user kgdb may not read and write it');
    expect(use('EROFS')).toBe('it is on a read-only file system');
    expect(use(undefined)).toBe('it cannot be used (undefined: access)');
  });
});
