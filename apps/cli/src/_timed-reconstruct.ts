import { performance } from 'node:perf_hooks';
import type { Cube } from '@s2cassi/hsi-io';
import type { S2Transformer } from '@s2cassi/s2-attn';
import { type Method, reconstruct } from './_cassi';
import type { Plane } from './_io';
import { createProgress } from './_progress';
import type { CommandContext } from './context';

/**
 * Reconstructs a simulated measurement (shift step 2) with one method behind a progress display labelled
 * `label` (GAP-TV: one unit per iteration; S2: one pass), and times it. Shared by `demo` and `evaluate`.
 */
export async function timedReconstruct(
  context: CommandContext,
  label: string,
  measurement: Plane,
  mask: Plane,
  options: { method: Method; iterations: number; model?: S2Transformer },
): Promise<{ cube: Cube; seconds: number }> {
  const gapTv = options.method === 'gap-tv';
  const progress = createProgress(
    context,
    label,
    gapTv ? options.iterations : 1,
    gapTv ? 'iterations' : 'pass',
  );
  const start = performance.now();
  try {
    const cube = await reconstruct(measurement, mask, {
      method: options.method,
      shiftStep: 2,
      iterations: options.iterations,
      model: options.model,
      signal: context.signal,
      onProgress: (done) => progress.update(done),
    });
    return { cube, seconds: (performance.now() - start) / 1000 };
  } finally {
    progress.stop();
  }
}
