/**
 * Test-only fault injection: the candidate — and the candidate arm when it serves — fails on this share of
 * calls. Never set in production configuration; the guard tests use it to prove the rollback.
 */
export interface FaultInjection {
  /** 0..1: share of candidate executions (shadowed or serving) that throw `InjectedFault`. */
  candidateFailureRate: number;
  /** Injected for deterministic tests; Math.random otherwise. */
  random?: () => number;
}

export class InjectedFault extends Error {
  constructor() {
    super('injected fault (test-only fault injection)');
    this.name = 'InjectedFault';
  }
}
