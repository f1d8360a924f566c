/**
 * Entry point of `npm run ehr -- <command>` (see cli-main.ts for the commands, or run it with --help).
 */
import { runCli } from './cli-main';

process.exitCode = await runCli(process.argv.slice(2), {
  out: (line) => console.log(line),
  err: (line) => console.error(line),
  env: process.env,
});
