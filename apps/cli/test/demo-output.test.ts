import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, tempDir } from './_cli';

/** The demo's folder listing, without the ownership marker. */
function listing(folder: string): string[] {
  return readdirSync(folder)
    .filter((name) => name !== '.s2cassi-demo')
    .sort();
}

describe('s2cassi demo owns its output folder', () => {
  it('a re-run replaces its own previous report; a folder it did not write is refused (kept as it was)', async () => {
    const dir = tempDir();
    const quick = ['demo', '--iterations', '1', '--json'];
    const first = await cli(quick, { cwd: dir });
    expect(first.code, first.stderr).toBe(0);
    const folder = join(dir, 's2cassi-demo');
    expect(existsSync(join(folder, '.s2cassi-demo'))).toBe(true);
    const firstResults = readFileSync(join(folder, 'results.json'), 'utf8');

    // The quick-start command again (with other noise, so the report differs): replaced, not refused.
    const again = await cli([...quick, '--noise', '0.01', '--seed', '7'], { cwd: dir });
    expect(again.code, again.stderr).toBe(0);
    const secondResults = readFileSync(join(folder, 'results.json'), 'utf8');
    expect(secondResults).not.toBe(firstResults);
    expect((JSON.parse(secondResults) as { measurement: { noise: number } }).measurement.noise).toBe(0.01);
    // Only the new report is there, and nothing is left beside it (temporary or previous folders).
    const files = (JSON.parse(again.stdout) as { files: string[] }).files.map((f) => f.split('/').pop());
    expect(listing(folder)).toEqual([...files].sort());
    expect(readdirSync(dir)).toEqual(['s2cassi-demo']);

    // A folder the demo did not write: refused in one line, untouched.
    const foreign = join(dir, 'mine');
    mkdirSync(foreign);
    writeFileSync(join(foreign, 'notes.txt'), 'mine');
    const refused = await cli(['demo', '--iterations', '1', '-o', foreign], { cwd: dir });
    expect(refused.code).toBe(2);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toContain(`${foreign} was not written by s2cassi demo`);
    expect(refused.stderr).toContain('--force');
    expect(readdirSync(foreign)).toEqual(['notes.txt']);
    // A file in the way is refused too.
    const file = join(dir, 'report.txt');
    writeFileSync(file, 'x');
    const onFile = await cli(['demo', '--iterations', '1', '-o', file], { cwd: dir });
    expect(onFile.code).toBe(2);
    expect(onFile.stderr).toContain(`${file} was not written by s2cassi demo`);
    expect(readFileSync(file, 'utf8')).toBe('x');
    // --force replaces it (the user says so), and from then on the folder is the demo's.
    const forced = await cli(['demo', '--iterations', '1', '-o', foreign, '--force'], { cwd: dir });
    expect(forced.code, forced.stderr).toBe(0);
    expect(existsSync(join(foreign, 'notes.txt'))).toBe(false);
    expect(existsSync(join(foreign, '.s2cassi-demo'))).toBe(true);
  });
});
