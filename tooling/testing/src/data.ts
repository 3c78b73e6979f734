import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** The repository root. */
export const REPO_ROOT = resolve(here, '../../..');

/**
 * The shared real-data folder (`../shared/data` beside the checkout, or S2CASSI_DATA). A fresh clone
 * does not have it: tests that need it use `describe.skipIf(!SHARED_DATA)` and say so.
 */
export const SHARED_DATA: string | undefined = (() => {
  const candidates = [process.env.S2CASSI_DATA, resolve(REPO_ROOT, '../shared/data')].filter(
    Boolean,
  ) as string[];
  return candidates.find((p) => existsSync(resolve(p, 'README.md')));
})();

export const SHARED_DATA_MISSING_MESSAGE =
  'shared data folder (../shared/data or $S2CASSI_DATA) not found: real-data tests skipped';

export function sharedDataPath(...parts: string[]): string {
  if (!SHARED_DATA) throw new Error(SHARED_DATA_MISSING_MESSAGE);
  return resolve(SHARED_DATA, ...parts);
}
