/** What every command gets: global options and where to write. */
export interface CommandContext {
  /** Machine-readable output: one JSON document on stdout, nothing else there. */
  json: boolean;
  /** tfjs backend request: auto | webgpu | wasm | cpu | tensorflow. */
  backend: string;
  /** wasm threads (1 = single-threaded). */
  threads: number;
  verbose: boolean;
  /** Whether stderr is a terminal (progress bars) or not (plain log lines). */
  interactive: boolean;
  out: (text: string) => void;
  /** Human-oriented messages (progress, where files went); suppressed in --json mode except errors. */
  log: (text: string) => void;
  /** Aborted on SIGINT/SIGTERM: long commands stop cleanly and keep what is finished. */
  signal: AbortSignal;
}

export function createContext(
  options: { json?: boolean; backend?: string; threads?: number; verbose?: boolean },
  signal: AbortSignal,
): CommandContext {
  const json = options.json === true;
  return {
    json,
    backend: options.backend ?? 'auto',
    threads: options.threads ?? 1,
    verbose: options.verbose === true,
    interactive: Boolean(process.stderr.isTTY) && !json,
    out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    log: (text) => {
      if (!json) process.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
    },
    signal,
  };
}
