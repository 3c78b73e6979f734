import './commands/index';

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
export { PUBLISHED_TABLE_1 } from './published';
export { parseShard, type Shard, shardItems } from './shard';
export { VERSION } from './version';
