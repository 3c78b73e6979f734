import { describe, expect, it } from 'vitest';
import { demoWeightsAvailable } from '../src/_model';
import { cli } from './_cli';

describe('s2cassi info --model demo', () => {
  it('describes the demo model, or says plainly that this version bundles no demo weights', async () => {
    const result = await cli(['info', '--model', 'demo']);
    if (demoWeightsAvailable()) {
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toContain('bundled demo weights');
      return;
    }
    expect(result.code).toBe(2);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^error: --model demo: .*no S2-Transformer demo weights are bundled/);
    // It names what works instead, and no option that `info` does not have.
    expect(lines[0]).toContain("'default'");
    expect(lines[0]).not.toMatch(/--weights|--method/);
  });
});
