import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkDemoOutput, DEMO_MARKER, demoMarker, isDemoFolder } from './_demo-output';
import { writeFolderAtomic } from './output';

function scratch(): string {
  return mkdtempSync(join(tmpdir(), 's2cassi-output-'));
}

describe('writeFolderAtomic', () => {
  it('swaps a complete new folder in and leaves nothing beside it', async () => {
    const dir = scratch();
    const target = join(dir, 'report');
    mkdirSync(target);
    writeFileSync(join(target, 'old.txt'), 'old');
    await writeFolderAtomic(target, (temp) => writeFile(join(temp, 'new.txt'), 'new'), { force: true });
    expect(readdirSync(target)).toEqual(['new.txt']);
    expect(readdirSync(dir)).toEqual(['report']);
  });

  it('keeps the old folder as it was when building the new one fails', async () => {
    const dir = scratch();
    const target = join(dir, 'report');
    mkdirSync(target);
    writeFileSync(join(target, 'old.txt'), 'old');
    await expect(
      writeFolderAtomic(
        target,
        async (temp) => {
          await writeFile(join(temp, 'half.txt'), 'half');
          throw new Error('disk full');
        },
        { force: true },
      ),
    ).rejects.toThrow('disk full');
    expect(readdirSync(target)).toEqual(['old.txt']);
    expect(readFileSync(join(target, 'old.txt'), 'utf8')).toBe('old');
    expect(readdirSync(dir)).toEqual(['report']);
  });
});

describe('the demo folder marker', () => {
  it('identifies only folders the demo wrote', () => {
    const dir = scratch();
    const mine = join(dir, 'mine');
    mkdirSync(mine);
    expect(isDemoFolder(mine)).toBe(false);
    expect(() => checkDemoOutput(mine, false)).toThrow(/was not written by s2cassi demo.*--force/);
    expect(checkDemoOutput(mine, true)).toEqual({ replace: true });
    writeFileSync(join(mine, DEMO_MARKER), 'not json');
    expect(isDemoFolder(mine)).toBe(false);
    writeFileSync(join(mine, DEMO_MARKER), demoMarker());
    expect(isDemoFolder(mine)).toBe(true);
    expect(checkDemoOutput(mine, false)).toEqual({ replace: true });
    expect(checkDemoOutput(join(dir, 'new'), false)).toEqual({ replace: false });
    // A file named like the marker's folder is not a demo folder.
    writeFileSync(join(dir, 'file'), demoMarker());
    expect(isDemoFolder(join(dir, 'file'))).toBe(false);
  });
});
