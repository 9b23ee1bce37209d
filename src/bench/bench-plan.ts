/** What `kgdb bench` was asked to do, its flags checked and defaults spelled out (parseBenchFlags). */
interface BenchPlanCommon {
  dataset: { genes: number; evidence: number; seed: number };
  /** Benchmark the configured database as it is instead of a scratch one. */
  current: boolean;
  /** Rebuild the scratch database even if it holds the dataset. */
  fresh: boolean;
  /** Also write the report as JSON here. */
  json?: string;
}

export interface InProcessBenchPlan extends BenchPlanCommon {
  mode: 'in-process';
  iterations: number;
  warmup: number;
  search: string;
}

export interface HttpBenchPlan extends BenchPlanCommon {
  mode: 'http';
  connections: number[];
  durationSeconds: number;
  warmupSeconds: number;
  /** Also write the table into this file between its bench:http markers. */
  readme?: string;
  /** Each server writes a V8 CPU profile into this folder. */
  cpuProf?: string;
}

export type BenchPlan = InProcessBenchPlan | HttpBenchPlan;
