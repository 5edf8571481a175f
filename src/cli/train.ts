import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import type { Command } from 'commander'
import { InvalidArgumentError, Option } from 'commander'
import cliProgress from 'cli-progress'
import { RunStore } from '../main/store/run-store'
import { defaultDatabasePath } from '../main/store/location'
import { ConfigError, lossTypes, modelPresets, parseRunConfig, type RunConfigInput } from '../main/trainer/config'
import { DatasetError, inspectDataset } from '../main/datasets'
import { startRun, type TrainingSession } from '../main/trainer/host'
import { checkEngineSettings } from '../main/engine-node'
import { EngineError } from '../engine'

export interface TrainFlags {
  dataset?: string
  model?: string
  steps?: number
  lrG?: number
  lrD?: number
  dSteps?: number
  gSteps?: number
  grouping?: string
  scheme?: string
  loss?: string
  batch?: number
  seed?: number
  imageSize?: number
  latentDim?: number
  width?: number
  depth?: number
  labelSmoothing?: number
  sampleEvery?: number
  checkpointEvery?: number
  metricsEvery?: number
  name?: string
  db?: string
}

const number = (value: string): number => {
  const parsed = Number(value)
  if (value.trim() === '' || !Number.isFinite(parsed)) throw new InvalidArgumentError('expected a number.')
  return parsed
}

/** Parses a number, or `auto` as 0 (the worker then picks the value from the measured speed). */
const numberOrAuto = (value: string): number => {
  if (value.trim().toLowerCase() === 'auto') return 0
  const parsed = Number(value)
  if (value.trim() === '' || !Number.isFinite(parsed)) throw new InvalidArgumentError('expected a whole number or auto.')
  return parsed
}

/** The flag that sets each configuration field, so validation errors name what the user typed. */
const flagOfField: Record<string, string> = {
  dataset: '--dataset',
  'model.preset': '--model',
  'model.latentDim': '--latent-dim',
  'model.width': '--width',
  'model.depth': '--depth',
  steps: '--steps',
  'optimizerG.lr': '--lr-g',
  'optimizerD.lr': '--lr-d',
  dSteps: '--d-steps',
  gSteps: '--g-steps',
  grouping: '--grouping',
  scheme: '--scheme',
  loss: '--loss',
  batchSize: '--batch',
  seed: '--seed',
  imageSize: '--image-size',
  labelSmoothing: '--label-smoothing',
  sampleEvery: '--sample-every',
  checkpointEvery: '--checkpoint-every',
  metricsEvery: '--metrics-every',
  name: '--name',
}

/** Rewrites a configuration error in terms of the command's flags. */
export function describeConfigError(error: ConfigError): string {
  return error.issues
    .map((issue) => `${flagOfField[issue.path] ?? issue.path}: ${issue.message}`)
    .join('\n')
}

/** Adds the run-configuration flags shared by `train` and `runs fork`. */
export function addConfigFlags(command: Command, withDefaults: boolean): Command {
  const d = <T>(value: T): T | undefined => (withDefaults ? value : undefined)
  const defaults = parseRunConfig({})
  // A fork keeps every setting of its parent that no flag changes.
  const dflt = (value: unknown): string => (withDefaults ? `(default ${value})` : "(default: the parent run's value)")
  return command
    .option('--dataset <name|path>', `built-in, found or downloaded set name, or a path ${dflt(defaults.dataset)}`)
    .addOption(new Option('--model <preset>', 'network preset').choices(modelPresets).default(d(defaults.model.preset)))
    .option('--latent-dim <n>', `size of the noise vector z ${dflt(defaults.model.latentDim)}`, number)
    .option('--width <n>', `hidden units (MLP) or base feature maps (DCGAN) ${dflt(defaults.model.width)}`, number)
    .option('--depth <n>', `hidden layers of the MLP presets ${dflt(defaults.model.depth)}`, number)
    .option('--steps <n>', `training iterations ${dflt(defaults.steps)}`, number)
    .option('--lr-g <x>', `generator learning rate ${dflt(defaults.optimizerG.lr)}`, number)
    .option('--lr-d <x>', `discriminator learning rate ${dflt(defaults.optimizerD.lr)}`, number)
    .option('--d-steps <n>', `discriminator updates per iteration ${dflt(defaults.dSteps)}`, number)
    .option('--g-steps <n>', `generator updates per iteration ${dflt(defaults.gSteps)}`, number)
    .addOption(new Option('--grouping <kind>', 'two optimizers, or one optimizer with a parameter group per network').choices(['separate', 'grouped']).default(d(defaults.grouping)))
    .addOption(new Option('--scheme <kind>', 'alternating D and G updates, or one joint update').choices(['alternating', 'joint']).default(d(defaults.scheme)))
    .addOption(new Option('--loss <kind>', 'GAN objective').choices(lossTypes).default(d(defaults.loss)))
    .option('--batch <n>', `batch size in samples, or auto for the largest of 16 to 256 that keeps an iteration under 0.25 s ${dflt(defaults.batchSize)}`, numberOrAuto)
    .option('--seed <n>', `random seed for weights, noise and batch order ${dflt(defaults.seed)}`, number)
    .option('--image-size <px>', `image side in pixels: 28, 32 or 64 ${dflt(defaults.imageSize)}`, number)
    .option('--label-smoothing <x>', `one-sided label smoothing, 0 to 0.5 ${dflt(defaults.labelSmoothing)}`, number)
    .option('--sample-every <n>', `iterations between stored sample grids, or auto (0) for about one every 2 s ${dflt(defaults.sampleEvery === 0 ? 'auto' : defaults.sampleEvery)}`, numberOrAuto)
    .option('--checkpoint-every <n>', `iterations between checkpoints ${dflt(defaults.checkpointEvery)}`, number)
    .option('--metrics-every <n>', `iterations between evaluations of sample quality, 0 for none ${dflt(defaults.metricsEvery)}`, number)
    .option('--name <text>', 'run name (default: model and dataset)')
}

/** Turns flags into a partial run configuration; unset flags are left out so defaults or a parent's values apply. */
export function configFromFlags(flags: TrainFlags): Record<string, unknown> {
  const config: Record<string, unknown> = {}
  const set = (key: string, value: unknown): void => {
    if (value !== undefined) config[key] = value
  }
  set('name', flags.name)
  set('dataset', flags.dataset)
  const model: Record<string, unknown> = {}
  if (flags.model !== undefined) model.preset = flags.model
  if (flags.latentDim !== undefined) model.latentDim = flags.latentDim
  if (flags.width !== undefined) model.width = flags.width
  if (flags.depth !== undefined) model.depth = flags.depth
  if (Object.keys(model).length > 0) config.model = model
  set('steps', flags.steps)
  if (flags.lrG !== undefined) config.optimizerG = { lr: flags.lrG }
  if (flags.lrD !== undefined) config.optimizerD = { lr: flags.lrD }
  set('dSteps', flags.dSteps)
  set('gSteps', flags.gSteps)
  set('grouping', flags.grouping)
  set('scheme', flags.scheme)
  set('loss', flags.loss)
  set('batchSize', flags.batch)
  set('seed', flags.seed)
  set('imageSize', flags.imageSize)
  set('labelSmoothing', flags.labelSmoothing)
  set('sampleEvery', flags.sampleEvery)
  set('checkpointEvery', flags.checkpointEvery)
  set('metricsEvery', flags.metricsEvery)
  return config
}

/**
 * Opens the run database. Commands that read runs pass `mustExist`: a --db path that names no file is
 * then a typo to report, rather than a new empty database to create.
 */
export function openStore(db: string | undefined, options: { mustExist?: boolean } = {}): RunStore {
  if (options.mustExist && db !== undefined && !existsSync(db)) {
    throw new Error(`no run database at ${resolve(db)}; check the --db path, or leave --db out to use the app's own database`)
  }
  const store = new RunStore(db ?? defaultDatabasePath())
  store.recoverInterrupted()
  return store
}

const fmt = (value: number | null | undefined, digits = 3): string =>
  value === null || value === undefined ? '-' : Number.isFinite(value) ? value.toFixed(digits) : String(value)

/**
 * Follows a session with a progress bar (or plain lines when output is not a terminal), stops it
 * cleanly on Ctrl+C, and resolves with the final status.
 */
export async function followSession(session: TrainingSession, total: number): Promise<string> {
  const interactive = Boolean(process.stderr.isTTY)
  const bar = new cliProgress.SingleBar(
    {
      format: 'step {value}/{total} |{bar}| D {dLoss} G {gLoss} D(x) {dReal} D(G(z)) {dFake} {speed} s/step',
      stream: process.stderr,
      noTTYOutput: false,
      hideCursor: interactive,
    },
    cliProgress.Presets.shades_classic,
  )
  let started = false
  let lastLine = 0
  // A terminal redraws the progress line in place; a log or pipe gets one line per message.
  const progressEnd = interactive ? '\r' : '\n'
  session.on('progress', (p) => {
    if (!started) process.stderr.write(`${p.message} (${Math.round(p.fraction * 100)}%)${progressEnd}`)
  })
  session.on('ready', (ready) => {
    process.stderr.write(`${interactive ? '\n' : ''}run ${session.run.id}: ${ready.dataset.length} ${ready.dataset.kind === 'image' ? 'images' : 'points'}, backend ${ready.backend} (${ready.device})\n`)
    if (interactive) bar.start(total, ready.step, { dLoss: '-', gLoss: '-', dReal: '-', dFake: '-', speed: '-' })
    started = true
  })
  session.on('metrics', (rows) => {
    const last = rows[rows.length - 1]
    const values = { dLoss: fmt(last.dLoss), gLoss: fmt(last.gLoss), dReal: fmt(last.dReal, 2), dFake: fmt(last.dFake, 2), speed: fmt(last.seconds, 3) }
    if (interactive) bar.update(last.step, values)
    else if (Date.now() - lastLine > 5000) {
      lastLine = Date.now()
      process.stderr.write(`step ${last.step}/${total} D ${values.dLoss} G ${values.gLoss} ${values.speed} s/step\n`)
    }
  })
  session.on('event', (event) => {
    if (event.kind === 'non-finite' || event.kind === 'engine-error') process.stderr.write(`\n${event.message}\n`)
  })
  const onInterrupt = (): void => {
    process.stderr.write('\nstopping after this step and saving a checkpoint (Ctrl+C again to quit at once)\n')
    process.removeListener('SIGINT', onInterrupt)
    process.once('SIGINT', () => process.exit(130))
    session.stop()
  }
  process.on('SIGINT', onInterrupt)
  const result = await session.finished
  process.removeListener('SIGINT', onInterrupt)
  if (interactive && started) bar.stop()
  if (result.error) process.stderr.write(`\n${result.error}\n`)
  return result.status
}

export function registerTrainCommand(program: Command): void {
  addConfigFlags(
    program
      .command('train')
      .description('train a GAN, store the run, and print its id (with no flags: a DCGAN on the built-in digits)')
      .option('--db <file>', 'run database (default: the app\'s own)')
      .option('--data-dir <dir>', 'app data folder holding downloaded datasets (default: the app\'s own)'),
    true,
  ).action(async (flags: TrainFlags & { dataDir?: string }) => {
    const input = configFromFlags(flags) as RunConfigInput
    let config: ReturnType<typeof parseRunConfig>
    try {
      config = parseRunConfig(input)
      // Check the engine settings and the dataset before a run is stored, so a typo does not leave a
      // failed run behind.
      checkEngineSettings()
      await inspectDataset(config.dataset, { checksum: false, dataDir: flags.dataDir })
    } catch (error) {
      if (error instanceof ConfigError) process.stderr.write(`error: invalid settings\n${describeConfigError(error)}\n`)
      else if (error instanceof DatasetError || error instanceof EngineError) process.stderr.write(`error [${error.code}]: ${error.message}\n`)
      else throw error
      process.exitCode = 1
      return
    }
    const store = openStore(flags.db)
    try {
      const started = Date.now()
      const session = startRun(store, config, { dataDir: flags.dataDir })
      process.stdout.write(`${session.run.id}\n`)
      const status = await followSession(session, config.steps)
      process.stderr.write(`run ${session.run.id} ${status} after ${((Date.now() - started) / 1000).toFixed(1)} s\n`)
      process.exitCode = status === 'completed' || status === 'stopped' ? 0 : 1
    } finally {
      store.close()
    }
  })
}
