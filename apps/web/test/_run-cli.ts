// Runs the s2cassi command line in this process, through @s2cassi/cli's public runCli, so the web tests can
// run the same job through both apps. Usage: node --conditions=@s2cassi/source --import tsx _run-cli.ts ARGS
import { runCli, VERSION } from '@s2cassi/cli';

process.exitCode = await runCli(process.argv.slice(2), VERSION);
