/** Exit codes of the s2cassi command line. */
export const EXIT_OK = 0;
/** A runtime failure: the input was fine, something went wrong while working. */
export const EXIT_RUNTIME = 1;
/** Bad usage or bad input: the user can fix the command line or the file. */
export const EXIT_USAGE = 2;

/** Bad usage or input (exit code 2): the message says what was wrong and what to do. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Library errors that mean "your input is wrong" rather than "the program failed". */
const INPUT_ERROR_NAMES = new Set([
  'UsageError',
  'CassiInputError',
  'HsiFormatError',
  'HsiRenderInputError',
  'MetricsInputError',
  'PipelineInputError',
  'S2AttnInputError',
  'WeightsMismatchError',
  'TrainerConfigError',
  'TrainerCheckpointError',
  'ConfigError',
  'ZodError',
]);

export function isInputError(error: unknown): boolean {
  return error instanceof Error && INPUT_ERROR_NAMES.has(error.name);
}

/** The exit code for an error: 2 for bad usage/input, 1 otherwise. */
export function exitCodeFor(error: unknown): number {
  return isInputError(error) ? EXIT_USAGE : EXIT_RUNTIME;
}

/** One line (or a few) for the terminal; the stack only with --verbose. */
export function formatError(error: unknown, verbose: boolean): string {
  if (!(error instanceof Error)) return `error: ${String(error)}`;
  const head = `error: ${error.message}`;
  return verbose && error.stack ? `${head}\n${error.stack}` : head;
}
