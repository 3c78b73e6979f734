import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeMat, encodeNpy, toColumnMajor } from '@s2cassi/hsi-io';
import type { S2TransformerConfig } from '@s2cassi/s2-attn';

/** A tiny S2-Transformer (28 bands, one stage) for weight files the CLI tests write. */
export const TINY: S2TransformerConfig = {
  embeddingDim: 12,
  heads: 2,
  stageCount: 1,
  blocksPerStage: 2,
  windowSize: 4,
  maskEncodingStage: 1,
  seed: 5,
};

const BIN = fileURLToPath(new URL('../src/bin.ts', import.meta.url));
const TSX = import.meta.resolve('tsx');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI from source in a real Node process (tsx, @s2cassi/source condition). */
export function cli(
  args: string[],
  options: {
    cwd?: string;
    signalAfterMs?: number /** Sends SIGINT once stderr matches. */;
    interruptOn?: RegExp;
  } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=@s2cassi/source', '--import', TSX, BIN, ...args], {
      cwd: options.cwd,
      env: { ...process.env, FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    let interrupted = false;
    child.stderr.on('data', (d) => {
      stderr += d;
      if (options.interruptOn && !interrupted && options.interruptOn.test(stderr)) {
        interrupted = true;
        child.kill('SIGINT');
      }
    });
    if (options.signalAfterMs !== undefined) setTimeout(() => child.kill('SIGINT'), options.signalAfterMs);
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 's2cassi-cli-'));
}

/** A deterministic smooth cube in [0, 1], [H, W, N] row-major. */
export function makeCube(height: number, width: number, bands: number, seed = 1): Float32Array {
  const data = new Float32Array(height * width * bands);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let n = 0; n < bands; n++) {
        const v =
          0.5 +
          0.25 * Math.sin((x + seed) / 3 + n / 5) * Math.cos((y - seed) / 4 - n / 7) +
          (0.2 * ((x * 7 + y * 13 + seed) % 5)) / 5;
        data[(y * width + x) * bands + n] = Math.min(1, Math.max(0, v));
      }
    }
  }
  return data;
}

/** A seeded binary-ish mask [H, W] in (0, 1]. */
export function makeMask(height: number, width: number, seed = 3): Float32Array {
  const data = new Float32Array(height * width);
  let s = seed;
  for (let i = 0; i < data.length; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    data[i] = s / 2147483648 > 0.5 ? 1 : 0.05;
  }
  return data;
}

export async function writeMat(
  path: string,
  name: string,
  data: Float32Array,
  dims: number[],
): Promise<void> {
  await writeFile(path, encodeMat({ [name]: { class: 'single', dims, data: toColumnMajor(data, dims) } }));
}

export async function writeNpy(path: string, data: Float32Array, shape: number[]): Promise<void> {
  await writeFile(path, encodeNpy({ data, shape }));
}
