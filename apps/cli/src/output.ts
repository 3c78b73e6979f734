import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { writeFileAtomic } from '@s2cassi/hsi-io/node';
import { UsageError } from './errors';

/**
 * Refuses to write over an existing path unless `force`; refuses to write over any of the inputs even
 * with `force` (inputs are never modified).
 */
export function checkOutputPath(path: string, options: { force?: boolean; inputs?: string[] } = {}): string {
  const target = resolve(path);
  for (const input of options.inputs ?? []) {
    if (resolve(input) === target) {
      throw new UsageError(
        `refusing to write the output over the input ${input}: choose another output path`,
      );
    }
  }
  if (existsSync(target) && !options.force) {
    throw new UsageError(`${path} already exists: pass --force to replace it, or choose another output path`);
  }
  return target;
}

/**
 * Writes an output file: its folder created when missing, then written with `@s2cassi/hsi-io/node`'s
 * `writeFileAtomic` (temporary file in the same folder, fsync, rename; an existing file is replaced, so
 * check with {@link checkOutputPath} first).
 */
export async function writeOutputFile(path: string, data: Uint8Array | string): Promise<void> {
  const target = resolve(path);
  await mkdir(dirname(target), { recursive: true });
  await writeFileAtomic(target, data, { overwrite: true });
}

/**
 * Creates an output folder atomically: `build` fills a temporary sibling folder, which is renamed to
 * `path` when complete (an existing folder is replaced only with `force`). A replaced folder is first
 * renamed aside and removed only once the new one is in place, so `path` always holds either the old
 * or the new complete folder (the old one is restored if the swap fails).
 */
export async function writeFolderAtomic(
  path: string,
  build: (temp: string) => Promise<void>,
  options: { force?: boolean } = {},
): Promise<void> {
  const target = resolve(path);
  const exists = await stat(target).then(
    () => true,
    () => false,
  );
  if (exists && !options.force) {
    throw new UsageError(
      `${path} already exists: pass --force to replace it, or choose another output folder`,
    );
  }
  await mkdir(dirname(target), { recursive: true });
  const temp = join(dirname(target), `.${basename(target)}.${randomBytes(4).toString('hex')}.tmp`);
  await mkdir(temp);
  try {
    await build(temp);
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    throw error;
  }
  if (!exists) {
    await rename(temp, target).catch(async (error) => {
      await rm(temp, { recursive: true, force: true });
      throw error;
    });
    return;
  }
  const aside = join(dirname(target), `.${basename(target)}.${randomBytes(4).toString('hex')}.old`);
  try {
    await rename(target, aside);
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    throw error;
  }
  try {
    await rename(temp, target);
  } catch (error) {
    await rename(aside, target);
    await rm(temp, { recursive: true, force: true });
    throw error;
  }
  await rm(aside, { recursive: true, force: true });
}
