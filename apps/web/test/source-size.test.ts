import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/** The page stays in small parts: no source file (code, tests, styles) under src/ over this many lines. */
const MAX_LINES = 300;
const APP_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Lines as `wc -l` counts them, plus a last line without a newline. */
function lineCount(text: string): number {
  return text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|tsx|css)$/.test(entry.name) ? [path] : [];
  });
}

describe('web app source size', () => {
  it(`no source file under apps/web/src has more than ${MAX_LINES} lines`, () => {
    const files = sourceFiles(join(APP_DIR, 'src'));
    expect(files.length).toBeGreaterThan(10);
    const long = files
      .map((file) => ({
        file: relative(APP_DIR, file),
        lines: lineCount(readFileSync(file, 'utf8')),
      }))
      .filter(({ lines }) => lines > MAX_LINES)
      .map(({ file, lines }) => `${file}: ${lines} lines`);
    expect(long, `split these files (at most ${MAX_LINES} lines each)`).toEqual([]);
  });
});
