import { Counter, Gauge, type Registry } from 'prom-client';
import type { ReadReplicaStats } from '../db/read-pool.js';

/**
 * A counter by one label that follows totals kept elsewhere: each scrape adds what they grew by since the last.
 * Absent totals (no router) add nothing, so the series stay absent.
 */
function followedCounter(
  registry: Registry,
  config: { name: string; help: string; label: string },
  totals: () => Record<string, number> | undefined,
): void {
  const seen: Record<string, number> = {};
  new Counter({
    name: config.name,
    help: config.help,
    labelNames: [config.label],
    registers: [registry],
    collect() {
      for (const [value, total] of Object.entries(totals() ?? {})) {
        const delta = total - (seen[value] ?? 0);
        seen[value] = total;
        if (delta > 0) this.inc({ [config.label]: value }, delta);
      }
    },
  });
}

/**
 * The read replica's metrics (docs/read-replica.md), read from the router's own totals at scrape time. Without
 * DATABASE_READ_URL there is no router: the series stay absent rather than claiming a replica that is down.
 */
export function readReplicaMetrics(registry: Registry, stats: () => ReadReplicaStats | undefined): void {
  new Gauge({
    name: 'kgdb_read_replica_up',
    help: 'Whether the views arm reads from the read replica (1) or from the primary because it is down or behind (0)',
    registers: [registry],
    // Across `--workers`: 0 when any worker reads from the primary, so the alert on 0 fires for one worker too.
    aggregator: 'min',
    collect() {
      const s = stats();
      if (s) this.set(s.up ? 1 : 0);
    },
  });
  followedCounter(
    registry,
    {
      name: 'kgdb_read_replica_fallbacks_total',
      help: 'Reads run on the primary instead of the read replica, by reason (unavailable: the replica attempt failed to connect or was cut off; conflict: cancelled by a recovery conflict; down: sent to the primary while the replica was down or behind)',
      label: 'reason',
    },
    () => stats()?.fallbacks,
  );
  followedCounter(
    registry,
    {
      name: 'kgdb_read_replica_replay_waits_total',
      help: 'Cache invalidations that first waited for the read replica to replay the change, by outcome (caught_up; timed_out: reads went to the primary instead; skipped: the replica was down)',
      label: 'outcome',
    },
    () => stats()?.replayWaits,
  );
  let seenSeconds = 0;
  new Counter({
    name: 'kgdb_read_replica_replay_wait_seconds_total',
    help: 'Time cache invalidations spent waiting for the read replica to replay their change',
    registers: [registry],
    collect() {
      const total = stats()?.replayWaitSeconds ?? seenSeconds;
      if (total > seenSeconds) this.inc(total - seenSeconds);
      seenSeconds = total;
    },
  });
}
