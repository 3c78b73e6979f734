import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic as hsiWriteFileAtomic } from '@s2cassi/hsi-io/node';
import {
  type DecodedCheckpoint,
  decodeCheckpoint,
  type EncodedCheckpoint,
  TrainerCheckpointError,
} from './checkpoint';
import type { CheckpointStore } from './trainer';

/** `checkpoints/manifest.json`: which checkpoint folders are complete, newest last. */
export interface CheckpointManifest {
  format: 's2cassi.trainer-checkpoints';
  version: 1;
  /** The newest complete step checkpoint folder (relative to the checkpoints folder). */
  latest: string | null;
  /** Complete step checkpoints, oldest first (at most `keep`). */
  history: string[];
  /** The best-validation checkpoint folder, if any. */
  best: string | null;
  updatedAt: string;
}

/** A checkpoint that could not be used, and why. */
export interface SkippedCheckpoint {
  location: string;
  reason: string;
}

/**
 * Writes a file atomically, replacing an existing one.
 *
 * @deprecated Use `writeFileAtomic(path, content, { overwrite: true })` from `@s2cassi/hsi-io/node`, the
 * one atomic writer (this forwards to it).
 */
export function writeFileAtomic(path: string, content: Uint8Array | string): Promise<void> {
  return hsiWriteFileAtomic(path, content, { overwrite: true });
}

/**
 * Checkpoints as folders under `<runDir>/checkpoints/`: `step-000001234/` (weights.safetensors,
 * optimizer.safetensors, state.json) and `best/`. Each folder is written complete under a temporary name
 * and renamed into place; then `manifest.json` (written atomically) points to it. A crash at any moment
 * leaves the previous manifest and folders intact. Only the newest `keep` step folders are kept.
 */
export class FileCheckpointStore implements CheckpointStore {
  readonly directory: string;
  readonly keep: number;

  constructor(runDirectory: string, keep: number) {
    this.directory = join(runDirectory, 'checkpoints');
    this.keep = Math.max(1, keep);
  }

  private async readManifest(): Promise<CheckpointManifest> {
    const empty: CheckpointManifest = {
      format: 's2cassi.trainer-checkpoints',
      version: 1,
      latest: null,
      history: [],
      best: null,
      updatedAt: new Date().toISOString(),
    };
    try {
      const parsed = JSON.parse(await readFile(join(this.directory, 'manifest.json'), 'utf8'));
      if (parsed?.format !== empty.format || !Array.isArray(parsed.history)) return empty;
      return parsed;
    } catch {
      return empty;
    }
  }

  private async writeFolder(name: string, checkpoint: EncodedCheckpoint): Promise<void> {
    await mkdir(this.directory, { recursive: true });
    const temporary = join(this.directory, `.tmp-${name}-${process.pid}-${randomBytes(4).toString('hex')}`);
    await mkdir(temporary);
    try {
      for (const [file, bytes] of Object.entries(checkpoint.files)) {
        await writeFile(join(temporary, file), bytes, { flush: true });
      }
      const target = join(this.directory, name);
      if (existsSync(target)) {
        // Same step written again (e.g. after a resume): move the old one aside, then swap.
        const old = join(this.directory, `.old-${name}-${randomBytes(4).toString('hex')}`);
        await rename(target, old);
        await rename(temporary, target);
        await rm(old, { recursive: true, force: true });
      } else {
        await rename(temporary, target);
      }
    } catch (error) {
      await rm(temporary, { recursive: true, force: true });
      throw error;
    }
  }

  async save(checkpoint: EncodedCheckpoint, kind: 'step' | 'best'): Promise<string> {
    const name = kind === 'best' ? 'best' : `step-${String(checkpoint.state.progress.step).padStart(9, '0')}`;
    await this.writeFolder(name, checkpoint);
    const manifest = await this.readManifest();
    if (kind === 'best') {
      manifest.best = name;
    } else {
      manifest.history = [...manifest.history.filter((entry) => entry !== name), name];
      manifest.latest = name;
      const dropped = manifest.history.slice(0, Math.max(0, manifest.history.length - this.keep));
      manifest.history = manifest.history.slice(-this.keep);
      manifest.updatedAt = new Date().toISOString();
      await hsiWriteFileAtomic(
        join(this.directory, 'manifest.json'),
        `${JSON.stringify(manifest, null, 2)}\n`,
        {
          overwrite: true,
        },
      );
      for (const old of dropped) await rm(join(this.directory, old), { recursive: true, force: true });
      return join(this.directory, name);
    }
    manifest.updatedAt = new Date().toISOString();
    await hsiWriteFileAtomic(
      join(this.directory, 'manifest.json'),
      `${JSON.stringify(manifest, null, 2)}\n`,
      {
        overwrite: true,
      },
    );
    return join(this.directory, name);
  }

  /** Reads and verifies one checkpoint folder. */
  async load(name: string): Promise<DecodedCheckpoint> {
    const folder = join(this.directory, name);
    const files: Record<string, Uint8Array | undefined> = {};
    let entries: string[];
    try {
      entries = await readdir(folder);
    } catch {
      throw new TrainerCheckpointError(`${folder}: no such checkpoint folder`);
    }
    for (const entry of entries) {
      if (entry === 'weights.safetensors' || entry === 'optimizer.safetensors' || entry === 'state.json') {
        files[entry] = new Uint8Array(await readFile(join(folder, entry)));
      }
    }
    return decodeCheckpoint(files, folder);
  }

  /**
   * The newest checkpoint that verifies: the manifest's latest, then its history newest first, then any
   * other `step-*` folder (newest first). Corrupt ones are skipped (and reported), never deleted.
   */
  async loadLatest(): Promise<{
    checkpoint: DecodedCheckpoint;
    location: string;
    skipped: SkippedCheckpoint[];
  }> {
    const manifest = await this.readManifest();
    const candidates: string[] = [];
    const add = (name: string | null) => {
      if (name && !candidates.includes(name)) candidates.push(name);
    };
    add(manifest.latest);
    for (const name of [...manifest.history].reverse()) add(name);
    if (existsSync(this.directory)) {
      const folders = (await readdir(this.directory))
        .filter((name) => /^step-\d+$/.test(name))
        .sort()
        .reverse();
      for (const name of folders) add(name);
    }
    const skipped: SkippedCheckpoint[] = [];
    for (const name of candidates) {
      try {
        return { checkpoint: await this.load(name), location: join(this.directory, name), skipped };
      } catch (error) {
        if (!(error instanceof TrainerCheckpointError)) throw error;
        skipped.push({ location: join(this.directory, name), reason: error.message });
      }
    }
    throw new TrainerCheckpointError(
      candidates.length === 0
        ? `${this.directory}: no checkpoints to resume from`
        : `${this.directory}: no usable checkpoint:\n${skipped.map((s) => `  - ${s.reason}`).join('\n')}`,
    );
  }
}
