import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { type CommandContext, createContext } from './context';
import { EXIT_OK, EXIT_USAGE, exitCodeFor, formatError } from './errors';

export type CommandRegistrar = (program: Command, run: RunCommand) => void;
export type RunCommand = (action: (context: CommandContext) => Promise<void>) => Promise<void>;

const registrars: CommandRegistrar[] = [];

/** Commands register themselves here (see commands/index.ts). */
export function registerCommand(registrar: CommandRegistrar): void {
  registrars.push(registrar);
}

export const BACKENDS = ['auto', 'webgpu', 'wasm', 'cpu', 'tensorflow'] as const;

function parseThreads(value: string): number {
  const threads = Number(value);
  if (!/^\d+$/.test(value) || threads < 1 || threads > 8) {
    throw new InvalidArgumentError(`expected an integer from 1 to 8, got '${value}'`);
  }
  return threads;
}

/** Global options every command accepts. */
export function addCommonOptions(command: Command): Command {
  return command
    .addOption(new Option('--backend <name>', 'tfjs backend').choices([...BACKENDS]).default('auto'))
    .addOption(
      new Option(
        '--threads <n>',
        'wasm threads, 1-8 (Node: tfjs threaded build; XNNPACK and the SIMD kernels split work across them)',
      )
        .argParser(parseThreads)
        .default(1),
    )
    .option('--json', 'machine-readable JSON on stdout')
    .option('--verbose', 'print stack traces on errors');
}

/**
 * The `s2cassi` program with every registered command (import './commands/index' first). `run` is what
 * an action does with its work: runCli runs it; a test may pass one that does nothing, to check a
 * command line against the real option parser (unknown options, choices, required arguments throw a
 * CommanderError) without running it.
 */
export function createProgram(run: RunCommand, version: string): Command {
  const program = new Command('s2cassi')
    .description(
      'CASSI snapshot hyperspectral imaging: simulate, reconstruct (GAP-TV, S2-Transformer), train, evaluate, render.',
    )
    .version(version)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) });
  for (const registrar of registrars) registrar(program, run);
  return program;
}

/**
 * Runs the CLI on `argv` (without the node and script entries) and resolves to the exit code:
 * 0 success, 1 runtime failure, 2 bad usage or input. Never throws.
 */
export async function runCli(argv: string[], version: string): Promise<number> {
  const controller = new AbortController();
  const onSignal = () => controller.abort(new Error('interrupted'));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let exitCode = EXIT_OK;
  let verbose = argv.includes('--verbose');
  const run: RunCommand = async (action) => {
    const command = current;
    const options = command ? command.optsWithGlobals() : {};
    verbose = options.verbose === true;
    await action(createContext(options, controller.signal));
  };
  let current: Command | undefined;
  const program = createProgram(run, version).hook('preAction', (_root, actionCommand) => {
    current = actionCommand;
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      exitCode = error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    } else {
      process.stderr.write(`${formatError(error, verbose)}\n`);
      exitCode = exitCodeFor(error);
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  return exitCode;
}
