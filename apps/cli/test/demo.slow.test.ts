import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, tempDir } from './_cli';

describe('s2cassi demo (slow: the whole pipeline)', () => {
  it('writes the report folder and prints parseable JSON', async () => {
    const dir = tempDir();
    const r = await cli(['demo', '--iterations', '20', '--json'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout) as {
      methods: Record<
        string,
        {
          psnr: number;
          ssim: number;
          sam: number;
          seconds: number;
          spectralCorrelation: Record<string, number>;
        }
      >;
      files: string[];
      s2: string;
    };
    const gap = json.methods['gap-tv'];
    // GAP-TV on the standard mask reaches the low/mid 20s dB (published: ~24 dB on KAIST).
    expect(gap.psnr).toBeGreaterThan(20);
    expect(gap.ssim).toBeGreaterThan(0.5);
    expect(Object.values(gap.spectralCorrelation).every((c) => c > 0.5 && c <= 1)).toBe(true);
    for (const f of json.files) expect(existsSync(join(dir, f)), f).toBe(true);
    const html = readFileSync(join(dir, 's2cassi-demo', 'report.html'), 'utf8');
    expect(html).toContain('data:image/png;base64,');
    expect(html).toContain('data:image/svg+xml;base64,');
    expect(html).not.toMatch(/src="(?!data:)/); // self-contained
    if (json.s2 !== 'run') expect(html).toContain('not bundled yet');
    // The quick-start command again: the demo replaces its own report.
    const again = await cli(['demo', '--iterations', '20'], { cwd: dir });
    expect(again.code, again.stderr).toBe(0);
    expect(readdirSync(dir)).toEqual(['s2cassi-demo']);
  }, 900_000);
});
