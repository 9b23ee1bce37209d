import type { Command } from 'commander';
import { runWithDatabase } from './run.js';

export function registerImport(program: Command): void {
  program
    .command('import')
    .description(
      'Import evidence files, merging into what is stored; re-importing the same files changes nothing',
    )
    .argument('<paths...>', 'files, or directories whose *.json and *.jsonl files are imported in name order')
    .addHelpText(
      'after',
      `
Each file's kind comes from its content:
  DiagnosticPanels  a JSON object with provider_name and genes: [{symbol, panels, hgnc_id?}]
  Literature        a JSON object with pmid, title, authors, … and genes: [{symbol, hgnc_id?}]
  JSON Lines        one {approved_symbol, hgnc_id?, source_name, evidence_data} per line
All files are validated before anything is written, and the whole run is one transaction.

Exit codes: 0 imported; 1 nothing written (bad input, INVALID_INPUT: <file>: <entry>: <problem>; another
import running; database unreachable).`,
    )
    .action((paths: string[]) =>
      runWithDatabase(async (db, { logger }) => {
        const { formatImportSummary } = await import('../../data/import/format-import-summary.js');
        const { importFiles } = await import('../../data/import/import-files.js');
        const { progressBar } = await import('./progress-bar.js');
        const summary = await importFiles(db.pool, paths, progressBar(logger));
        process.stdout.write(formatImportSummary(summary));
      }),
    );
}
