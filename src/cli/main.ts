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

try {
  await buildProgram().parseAsync(process.argv)
} catch (error) {
  // Commands that do not report their own errors end here: print the message, not a stack.
  process.stderr.write(`error: ${(error as Error).message}
`)
  process.exitCode = 1
}
