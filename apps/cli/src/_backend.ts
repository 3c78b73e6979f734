import { existsSync } from 'node:fs';
import { type BackendChoice, type BackendRequest, setupBackend } from '@s2cassi/backends';
import * as tf from '@tensorflow/tfjs-core';
import type { CommandContext } from './context';
import { UsageError } from './errors';

let active: { request: string; threads: number; choice: Promise<BackendChoice> } | undefined;

/** Whether this machine shows a GPU device node (Linux DRI / NVIDIA) or is a platform with a system GPU API. */
function gpuVisible(): boolean {
  if (process.platform === 'darwin' || process.platform === 'win32') return true;
  return existsSync('/dev/dri') || existsSync('/dev/nvidia0') || existsSync('/dev/dxg');
}

/** tfjs's "install tfjs-node" banner and debug warnings are noise on a command line. */
export function quietTfjs(): void {
  tf.env().set('PROD', true);
}

async function choose(
  request: string,
  threads: number,
  log: (message: string) => void,
): Promise<BackendChoice> {
  quietTfjs();
  if (request === 'auto' && !gpuVisible()) {
    // Probing WebGPU without a GPU only finds a software rasteriser (and native drivers print warnings).
    const choice = await setupBackend('wasm', { log, threads });
    return { backend: choice.backend, reason: `auto: no GPU device found, using wasm (${choice.reason})` };
  }
  try {
    return await setupBackend(request as BackendRequest, { log, threads });
  } catch (error) {
    throw new UsageError(
      `--backend ${request} is not available here: ${(error as Error).message}. Use --backend wasm (any CPU) or --backend auto.`,
    );
  }
}

/**
 * Activates the backend asked for with --backend (once per process) and returns the choice. Commands call
 * it only when they compute with tfjs, so `--help`, `info` and `metrics` start instantly.
 */
export async function useBackend(context: CommandContext): Promise<BackendChoice> {
  if (!active || active.request !== context.backend || active.threads !== context.threads) {
    const log = (message: string) => {
      if (context.verbose && !message.startsWith('backend:')) context.log(message);
    };
    active = {
      request: context.backend,
      threads: context.threads,
      choice: choose(context.backend, context.threads, log),
    };
  }
  const choice = await active.choice;
  if (context.verbose) context.log(`backend: ${choice.backend} (${choice.reason})`);
  return choice;
}
