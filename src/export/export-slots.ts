import { KgdbError } from '../errors.js';

/** Retry-After of EXPORTS_BUSY, seconds: an export of the whole gene list is done in about a second. */
export const EXPORTS_RETRY_AFTER_SECONDS = 5;

/**
 * Exports one process runs at once: half its pool's connections (at least 1). Each export holds a connection
 * until its file is read, so a few slow readers must not take the connections every other route needs.
 */
export function exportSlotCount(poolMax: number): number {
  return Math.max(1, Math.floor(poolMax / 2));
}

/** What a slot is held by: an HTTP response, released when it closes. */
interface Holder {
  /** True once the response has closed (sent, or the client left). */
  readonly closed: boolean;
  once(event: 'close', listener: () => void): unknown;
}

/** The process's export slots, shared by every export route. */
export interface ExportSlots {
  readonly max: number;
  /** Slots taken now. */
  readonly inUse: number;
  /**
   * Takes a slot until `response` closes: sent in full, answered with an error, or left by the client.
   * EXPORTS_BUSY (503, Retry-After) when all are taken.
   */
  take(response: Holder): void;
}

export function createExportSlots(max: number): ExportSlots {
  let taken = 0;
  return {
    max,
    get inUse() {
      return taken;
    },
    take(response) {
      if (taken >= max) {
        throw new KgdbError('EXPORTS_BUSY', {
          detail: `All ${max} export slots of this server are in use (at most ${max} exports run at once: half the database pool); retry in ${EXPORTS_RETRY_AFTER_SECONDS} seconds`,
          retryAfterSeconds: EXPORTS_RETRY_AFTER_SECONDS,
        });
      }
      // A client gone before the handler ran: its 'close' has been emitted already and would never free the slot.
      if (response.closed) return;
      taken += 1;
      response.once('close', () => {
        taken -= 1;
      });
    },
  };
}
