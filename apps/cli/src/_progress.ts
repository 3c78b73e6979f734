import cliProgress from 'cli-progress';
import type { CommandContext } from './context';

/** A progress display: a bar on a terminal, a log line every ~10% (and at the end) otherwise. */
export interface Progress {
  update(done: number, payload?: Record<string, string | number>): void;
  stop(): void;
}

export function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '-';
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)}s`;
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds % 60);
  if (m < 60) return `${m}m${String(s).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** One bar (or plain lines) for `total` units of work named `label`. */
export function createProgress(context: CommandContext, label: string, total: number, unit = 'it'): Progress {
  const start = performance.now();
  if (context.interactive) {
    const bar = new cliProgress.SingleBar(
      {
        format: `${label.padEnd(14)} {bar} {value}/{total} ${unit} | {percentage}% | ETA {eta_formatted}{extra}`,
        hideCursor: true,
        clearOnComplete: false,
        stream: process.stderr,
        etaBuffer: 20,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, { extra: '' });
    return {
      update(done, payload) {
        const extra = payload
          ? ` | ${Object.entries(payload)
              .map(([k, v]) => `${k} ${v}`)
              .join(' ')}`
          : '';
        bar.update(done, { extra });
      },
      stop() {
        bar.stop();
      },
    };
  }
  let nextReport = 0;
  return {
    update(done, payload) {
      if (done < nextReport && done !== total) return;
      nextReport = done + Math.max(1, Math.ceil(total / 10));
      const elapsed = (performance.now() - start) / 1000;
      const eta = done > 0 ? (elapsed / done) * (total - done) : Number.NaN;
      const extra = payload
        ? ` ${Object.entries(payload)
            .map(([k, v]) => `${k} ${v}`)
            .join(' ')}`
        : '';
      context.log(
        `${label}: ${done}/${total} ${unit}, ${formatSeconds(elapsed)} elapsed, ETA ${formatSeconds(eta)}${extra}`,
      );
    },
    stop() {},
  };
}
