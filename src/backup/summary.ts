/** What a backup or restore did, for the one-line summary. */
export interface RunSummary {
  tables: number;
  rows: number;
  /** The archive's size on disk. */
  archiveBytes: number;
  ms: number;
  file: string;
}

/** What a restore did besides the load. */
export interface RestoreSummary extends RunSummary {
  /** The migrations applied after the load, from the archive's schema version to this build's latest. */
  migratedForward: string[];
  /** kgdb servers connected to the database when the restore ended. */
  connectedServers: number;
}

const count = (n: number) => n.toLocaleString('en-US');

/** 12.3 MB, or kB below 0.1 MB. Decimal units, as `ls -h --si` and most transfer tools show them. Pure. */
export function formatBytes(bytes: number): string {
  if (bytes < 100_000) return `${(bytes / 1000).toFixed(1)} kB`;
  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}

function counts(s: RunSummary): string {
  const tables = `${count(s.tables)} table${s.tables === 1 ? '' : 's'}`;
  const rows = `${count(s.rows)} row${s.rows === 1 ? '' : 's'}`;
  return `${tables}, ${rows}, ${formatBytes(s.archiveBytes)} in ${(s.ms / 1000).toFixed(1)} s`;
}

/** `backup: 17 tables, 230,517 rows, 12.3 MB in 4.2 s → FILE`. Pure. */
export function formatBackupSummary(s: RunSummary): string {
  return `backup: ${counts(s)} → ${s.file}\n`;
}

/** `restore: 17 tables, 230,517 rows, 12.3 MB in 4.2 s ← FILE`, plus the migrations applied after it. Pure. */
export function formatRestoreSummary(s: RestoreSummary): string {
  const forward =
    s.migratedForward.length > 0 ? `; then migrated forward: ${s.migratedForward.join(', ')}` : '';
  return `restore: ${counts(s)} ← ${s.file}${forward}\n`;
}

/**
 * The warning for servers that were running during the restore, or undefined when none were. A server keeps
 * a flag it holds until it reads a higher version, and the archive's flags come back with the versions they
 * had when it was made, usually lower: such a server goes on with its old flags until it restarts. Pure.
 */
export function restoreWarning(s: RestoreSummary): string | undefined {
  if (s.connectedServers === 0) return undefined;
  const servers =
    s.connectedServers === 1 ? '1 kgdb server is' : `${count(s.connectedServers)} kgdb servers are`;
  return `warning: ${servers} connected to the restored database: restart them, or they may keep serving the feature flags they held before the restore\n`;
}
