/**
 * GAN Workbench's command line: `npm run cli -- <group> <command> ...` (use `npm run --silent cli`
 * when piping `--json` output, so npm's own header lines stay out of it). Each command group lives in
 * its own file and registers itself here.
 */
import { Command } from 'commander'
import { registerDatasetCommands } from './datasets'
import { registerRunsCommands } from './runs'
import { registerServeCommand } from './serve'
import { registerTrainCommand } from './train'

export function buildProgram(): Command {
  const program = new Command()
  program
    .name('ganwb')
    .description('GAN Workbench: datasets, training runs and the sample server from the command line')
    .showHelpAfterError()
  registerDatasetCommands(program)
  registerTrainCommand(program)
  registerRunsCommands(program)
  registerServeCommand(program)
  return program
}

// `npm run cli` runs this file from the project folder; relative paths a user types (--out, --db,
// --dataset) mean the folder npm was started in, which npm passes as INIT_CWD.
if (process.env.npm_lifecycle_event === 'cli' && process.env.INIT_CWD) process.chdir(process.env.INIT_CWD)

try {
  await buildProgram().parseAsync(process.argv)
} catch (error) {
  // Commands that do not report their own errors end here: print the message, not a stack.
  process.stderr.write(`error: ${(error as Error).message}
`)
  process.exitCode = 1
}
