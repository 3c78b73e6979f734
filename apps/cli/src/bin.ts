#!/usr/bin/env node
import { runCli } from './program';
import { VERSION } from './version';
import './commands/index';

const code = await runCli(process.argv.slice(2), VERSION);
process.exitCode = code;
