import './commands/index';

export { parseShard, type Shard, shardItems } from './_options';
export { PUBLISHED_TABLE_1 } from './_published';
export type { CommandContext } from './context';
export { EXIT_OK, EXIT_RUNTIME, EXIT_USAGE, UsageError } from './errors';
export {
  addCommonOptions,
  BACKENDS,
  type CommandRegistrar,
  type RunCommand,
  registerCommand,
  runCli,
} from './program';
export { VERSION } from './version';
