import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { configHash } from '@s2cassi/trainer';
import { FileCheckpointStore } from '@s2cassi/trainer/node';
import { expect, it } from 'vitest';

const run = resolve(import.meta.dirname, '../runs/v3-l1');

// A resume reads the newest checkpoint and checks its files' SHA-256 and its config hash: a trainer change
// that altered how an existing config hashes (e.g. a new field with a default) would strand the campaign.
it('the committed v3-l1 snapshot loads with this trainer: checksums and config hash verify, run.json agrees', async () => {
  const latest = await new FileCheckpointStore(run, 2).loadLatest();
  expect(latest.skipped).toEqual([]);
  const { state } = latest.checkpoint;
  expect(await configHash(state.config)).toBe(state.configHash);
  const manifest = JSON.parse(readFileSync(join(run, 'run.json'), 'utf8'));
  expect(manifest.configHash).toBe(state.configHash);
  expect(state.progress.step).toBeGreaterThan(40_000);
});
