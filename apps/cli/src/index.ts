import './commands/index';

export { addCommonOptions, BACKENDS, type CommandRegistrar, registerCommand, type RunCommand, runCli } from './program';
export type { CommandContext } from './context';
export { EXIT_OK, EXIT_RUNTIME, EXIT_USAGE, UsageError } from './errors';
export { parseShard, type Shard, shardItems } from './_options';
export { PUBLISHED_TABLE_1 } from './_published';
export { VERSION } from './version';
