/**
 * The training worker: runs a GanTrainer off the caller's thread and reports through typed messages.
 * It yields to its event loop between iterations, so pause, stop and live changes act within one
 * iteration. It never touches the database: the host stores what it reports.
 */
import { parentPort } from 'node:worker_threads'
import * as torch from '../../engine'
import { describeDevice, startEngine } from '../engine-node'
import { createSampler, loadTrainingData } from './data'
import { choosePace } from './pace'
import { captureCheckpoint, restoreCheckpoint } from './checkpoint'
import { GanTrainer } from './trainer'
import { gridPng } from '../images/grid'
import { Evaluator } from '../metrics/evaluator'
import type { MetricRecord, RunStatus } from '../store/types'
import type { RunEvent, WorkerCommand, WorkerMessage } from './protocol'

const port = parentPort
if (!port) throw new Error('the training worker must run in a worker thread')

function post(message: WorkerMessage, transfer: ArrayBuffer[] = []): void {
  port?.postMessage(message, transfer)
}

let paused = false
let stopRequested = false
let singleSteps = 0
let wake: (() => void) | null = null
let trainer: GanTrainer | null = null
const pendingEvents: RunEvent[] = []

function notify(): void {
  wake?.()
  wake = null
}

function event(kind: RunEvent['kind'], message: string, data?: unknown): void {
  const step = trainer?.step ?? 0
  pendingEvents.push({ step, kind, message, data })
}

port.on('message', (command: WorkerCommand) => {
  switch (command.type) {
    case 'start':
      run(command).catch((error: unknown) => {
        // Errors that explain themselves (a bad dataset, an invalid setting) need no stack trace.
        const explained = error instanceof Error && ['DatasetError', 'ConfigError', 'EngineError'].includes(error.name)
        const text = explained ? (error as Error).message : ((error as Error).stack ?? String(error))
        post({ type: 'done', status: 'failed', step: trainer?.step ?? 0, error: text })
      })
      return
    case 'pause':
      if (!paused) event('paused', 'paused')
      paused = true
      break
    case 'resume':
      if (paused) event('resumed', 'resumed')
      paused = false
      break
    case 'step':
      singleSteps++
      break
    case 'stop':
      stopRequested = true
      break
    case 'set':
      applySettings(command)
      break
  }
  notify()
})

function applySettings(command: Extract<WorkerCommand, { type: 'set' }>): void {
  if (!trainer) return
  const before = { ...trainer.settings }
  if (command.lrG !== undefined || command.lrD !== undefined) {
    trainer.setLearningRates({ g: command.lrG, d: command.lrD })
    const after = trainer.settings
    event('lr-change', `learning rates G ${before.lrG} -> ${after.lrG}, D ${before.lrD} -> ${after.lrD}`, {
      lrG: [before.lrG, after.lrG],
      lrD: [before.lrD, after.lrD],
    })
  }
  if (command.dSteps !== undefined || command.gSteps !== undefined) {
    trainer.setRatio({ dSteps: command.dSteps, gSteps: command.gSteps })
    const after = trainer.settings
    event('ratio-change', `D:G steps ${before.dSteps}:${before.gSteps} -> ${after.dSteps}:${after.gSteps}`, {
      dSteps: [before.dSteps, after.dSteps],
      gSteps: [before.gSteps, after.gSteps],
    })
  }
}

function waitForCommand(): Promise<void> {
  return new Promise((resolve) => {
    wake = resolve
  })
}

const yieldToEvents = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

function toTransferable(bytes: Uint8Array): ArrayBuffer[] {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? [bytes.buffer as ArrayBuffer] : []
}

async function run(command: Extract<WorkerCommand, { type: 'start' }>): Promise<void> {
  const backend = await startEngine({ backend: (command.backend as torch.BackendName | undefined) ?? undefined })
  const device = describeDevice(backend)

  const loaded = await loadTrainingData(command.config, {
    dataDir: command.dataDir,
    onProgress: (fraction, message) => post({ type: 'progress', phase: 'dataset', fraction, message }),
  })
  // Automatic batch size and sample interval: measured here, then stored as plain numbers so that a
  // resume or fork of this run uses the same ones.
  const { data } = loaded
  let config = command.config
  let sampler = loaded.sampler
  const pace = choosePace(config, data, (fraction, message) => post({ type: 'progress', phase: 'model', fraction, message }))
  if (pace) {
    config = pace.config
    sampler = createSampler(data, config.batchSize, config.seed)
    post({ type: 'config', config })
  }
  post({ type: 'progress', phase: 'model', fraction: 0, message: 'building the networks' })
  const current = new GanTrainer(config, data, sampler)
  trainer = current
  if (command.checkpoint) restoreCheckpoint(current, command.checkpoint, command.applySettings)
  // Sample-quality metrics: may train the dataset's classifier once (cached in the data folder).
  const evaluator = await Evaluator.prepare(config, data, {
    dataDir: command.dataDir,
    onProgress: (fraction, message) => post({ type: 'progress', phase: 'model', fraction, message }),
  })

  post({
    type: 'ready',
    backend: backend.name,
    device,
    dataset: { kind: data.kind, length: data.length, numClasses: data.numClasses },
    step: current.step,
    parameters: {
      generator: current.G.numParameters(),
      discriminator: current.D.numParameters(),
    },
  })
  const started = command.checkpoint ? `continuing from step ${current.step}` : 'training started'
  // Without native kernels a CPU run is several times slower, so the run's event log gives the reason.
  event(command.checkpoint ? 'resumed' : 'started', backend.kernelNote ? `${started}; ${backend.kernelNote}` : started, {
    backend: backend.name,
    device,
    nativeKernelsOff: backend.kernelNote !== undefined,
  })
  if (pace) event('pace', pace.message, pace.data)
  for (const note of evaluator?.notes ?? []) event('evaluation', note.message, note.data)

  let rows: MetricRecord[] = []
  let seconds = 0
  let lastEmit = performance.now()
  const flush = (): void => {
    for (const pending of pendingEvents.splice(0)) post({ type: 'event', event: pending })
    if (rows.length > 0) post({ type: 'metrics', rows, step: current.step, seconds })
    rows = []
    lastEmit = performance.now()
  }
  const sample = (): void => {
    if (data.kind === 'points') {
      post({ type: 'sample', step: current.step, kind: 'points', data: current.samplePoints() })
    } else {
      const images = current.sampleImages()
      const png = gridPng(images, { nrow: images.nrow })
      post({ type: 'sample', step: current.step, kind: 'grid', png }, toTransferable(png))
    }
  }
  const checkpoint = (): void => {
    const payload = captureCheckpoint(current, sampler.getState())
    post({ type: 'checkpoint', payload })
  }
  const setStatus = (status: RunStatus): void => post({ type: 'status', status, step: current.step })

  if (current.step === 0) sample()
  setStatus(paused ? 'paused' : 'running')
  let status: RunStatus = 'completed'

  while (current.step < config.steps) {
    if (stopRequested) {
      status = 'stopped'
      break
    }
    if (paused && singleSteps === 0) {
      flush()
      setStatus('paused')
      await waitForCommand()
      if (!paused && !stopRequested) setStatus('running')
      continue
    }
    const single = paused && singleSteps > 0
    if (single) singleSteps--

    const outcome = current.iterate()
    rows.push(outcome.metrics)
    seconds += outcome.metrics.seconds ?? 0
    if (single) event('single-step', `single step to ${current.step}`)

    if (outcome.problem?.kind === 'non-finite') {
      // Training on NaN would only spread it through the weights: pause before the bad update lands.
      const { what, value } = outcome.problem
      event('non-finite', `${what} is ${value} at step ${current.step + 1}; the update was skipped and the run paused. ` +
        'Try a lower learning rate, or label smoothing to keep D from saturating.', { what, value: String(value) })
      paused = true
    } else if (outcome.problem?.kind === 'engine-error') {
      event('engine-error', outcome.problem.message, { code: outcome.problem.code })
      flush()
      post({ type: 'done', status: 'failed', step: current.step, error: outcome.problem.message })
      return
    } else {
      if (evaluator?.isDue(current.step, config.steps)) {
        const evaluation = evaluator.run(current)
        outcome.metrics.extra = { ...outcome.metrics.extra, ...evaluation.metrics }
        if (evaluation.error) event('evaluation', evaluation.error)
      }
      if (current.step % config.sampleEvery === 0) sample()
      if (current.step % config.checkpointEvery === 0) {
        flush()
        checkpoint()
      }
    }
    if (performance.now() - lastEmit >= command.emitIntervalMs) flush()
    await yieldToEvents()
  }

  // A stopped run also stores its last grid, so its latest picture is the one it stopped with.
  if (current.step % config.sampleEvery !== 0) sample()
  flush()
  if (current.step % config.checkpointEvery !== 0) checkpoint()
  event(status === 'completed' ? 'completed' : 'stopped', status === 'completed' ? `finished ${current.step} steps` : `stopped at step ${current.step}`)
  flush()
  post({ type: 'done', status, step: current.step })
}
