import type { JobProgress } from './types';

/**
 * The progress line the page shows under a running job: the job's label once, then the engine's message,
 * which never repeats it (`GAP-TV: iteration 3 of 100`, `S2-Transformer (your weights): tile 2 of 4`).
 */
export function progressLine(label: string, progress: JobProgress): string {
  return `${label}: ${progress.message}`;
}
