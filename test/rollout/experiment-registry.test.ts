import { describe, expect, it } from 'vitest';
import { createExperimentRegistry, specFields } from '../../src/rollout/experiments/experiment-registry.js';

const base = {
  sampleRequests: () => [1],
  control: async (n: number) => n,
  candidate: async (n: number) => n,
};
const rule = (name: string) => ({ name, description: 'd', explains: () => true });

describe('declared rules are checked at registration', () => {
  it('rule names are bounded labels and unique per experiment', () => {
    const registry = createExperimentRegistry();
    expect(() => registry.register({ ...base, name: 'bad_rule', rules: [rule('Has Space')] })).toThrow(
      "experiment 'bad_rule': rule name 'Has Space' must match ^[a-z][a-z0-9_]{0,63}$",
    );
    expect(() => registry.register({ ...base, name: 'twice', rules: [rule('r'), rule('r')] })).toThrow(
      "experiment 'twice': rule 'r' is declared twice",
    );
    registry.register({ ...base, name: 'fine', rules: [rule('r'), rule('s')] });
    expect(registry.names()).toEqual(['fine']);
  });

  it('the spec of a call carries the rules', () => {
    const rules = [rule('r')];
    expect(specFields({ ...base, name: 'e', rules }, 1).rules).toBe(rules);
  });
});
