import { performance } from 'node:perf_hooks';
import type { Cube } from '@s2cassi/hsi-io';
import { type GapTvSettings, gapTvSettings } from '@s2cassi/pipeline';
import type { S2Transformer } from '@s2cassi/s2-attn';
import { type Method, reconstruct } from './_cassi';
import type { Plane } from './_io';
import { createProgress } from './_progress';
import type { CommandContext } from './context';

/**
 * Reconstructs a simulated measurement (shift step 2) with one method behind a progress display labelled
 * `label` (GAP-TV: one unit per iteration; S2: one pass), and times it. Shared by `demo` and `evaluate`.
 * GAP-TV settings left out are the shared defaults; the ones used come back with the cube.
 */
export async function timedReconstruct(
  context: CommandContext,
  label: string,
  measurement: Plane,
  mask: Plane,
  options: { method: Method; gapTv?: Partial<GapTvSettings>; model?: S2Transformer },
): Promise<{ cube: Cube; seconds: number; gapTv?: GapTvSettings }> {
  const gapTv = options.method === 'gap-tv' ? gapTvSettings(options.gapTv) : undefined;
  const progress = createProgress(
    context,
    label,
    gapTv ? gapTv.iterations : 1,
    gapTv ? 'iterations' : 'pass',
  );
  const start = performance.now();
  try {
    const result = await reconstruct(measurement, mask, {
      method: options.method,
      shiftStep: 2,
      gapTv,
      model: options.model,
      signal: context.signal,
      onProgress: (done) => progress.update(done),
    });
    return { ...result, seconds: (performance.now() - start) / 1000 };
  } finally {
    progress.stop();
  }
}
