import * as Comlink from 'comlink';
import type { EngineApi } from '../worker/engine.worker';
import type {
  BackendPreference,
  BackendStatus,
  JobProgress,
  ReconstructJob,
  ReconstructResult,
} from './types';

/** How long a cancelled job may take to stop by itself before the worker is replaced. */
const CANCEL_GRACE_MS = 1500;

export class CancelledError extends Error {
  override name = 'AbortError';
  constructor() {
    super('cancelled');
  }
}

/**
 * The page's handle on the tfjs Web Worker. Cancelling asks the worker to stop at its next checkpoint;
 * a job that does not stop in time (one long network pass) is ended by replacing the worker, so cancel
 * always works and the page never waits on a frozen computation.
 */
export class EngineClient {
  private worker!: Worker;
  remote!: Comlink.Remote<EngineApi>;
  private preference: BackendPreference = 'auto';
  private pending: { reject: (error: Error) => void; settled: Promise<unknown> } | undefined;
  /** Called when the worker had to be restarted (its backend is set up again). */
  onRestart: ((status: BackendStatus) => void) | undefined;

  constructor() {
    this.spawn();
  }

  private spawn(): void {
    this.worker = new Worker(new URL('../worker/engine.worker.ts', import.meta.url), {
      type: 'module',
      name: 's2cassi-engine',
    });
    this.remote = Comlink.wrap<EngineApi>(this.worker);
  }

  init(preference: BackendPreference): Promise<BackendStatus> {
    this.preference = preference;
    return this.remote.init(preference);
  }

  reconstruct(job: ReconstructJob, onProgress: (p: JobProgress) => void): Promise<ReconstructResult> {
    let reject!: (error: Error) => void;
    const guard = new Promise<never>((_, r) => {
      reject = r;
    });
    const work = this.remote.reconstruct(job, Comlink.proxy(onProgress));
    const settled = work.then(
      () => undefined,
      () => undefined,
    );
    this.pending = { reject, settled };
    return Promise.race([work, guard]).finally(() => {
      this.pending = undefined;
    });
  }

  async cancel(): Promise<void> {
    const pending = this.pending;
    if (!pending) return;
    await this.remote.cancel();
    const stopped = await Promise.race([
      pending.settled.then(() => true),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), CANCEL_GRACE_MS)),
    ]);
    if (stopped) return;
    this.worker.terminate();
    pending.reject(new CancelledError());
    this.spawn();
    const status = await this.remote.init(this.preference);
    this.onRestart?.(status);
  }
}

export function isCancellation(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || /cancelled|aborted/i.test(error.message));
}
