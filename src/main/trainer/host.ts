import { EventEmitter } from 'node:events'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import type { RunStore } from '../store/run-store'
import type { MetricRecord, RunRecord, RunStatus } from '../store/types'
import type { CheckpointPayload } from './checkpoint'
import { parseRunConfig, type RunConfig, type RunConfigInput } from './config'
import type { RunEvent, WorkerCommand, WorkerMessage } from './protocol'
import type { PointsSample } from './trainer'

export interface SessionEvents {
  progress: [{ phase: string; fraction: number; message: string }]
  ready: [Extract<WorkerMessage, { type: 'ready' }>]
  /** The stored configuration changed: the worker resolved its automatic settings. */
  config: [RunConfig]
  metrics: [MetricRecord[]]
  sample: [{ step: number; kind: 'grid'; png: Buffer } | { step: number; kind: 'points'; data: PointsSample }]
  checkpoint: [{ step: number }]
  event: [RunEvent]
  status: [{ status: RunStatus; step: number }]
  done: [{ status: RunStatus; step: number; error?: string }]
}

export interface SessionOptions {
  /** The app data folder for datasets; the default app folder unless given. */
  dataDir?: string
  /** A backend to force in the worker (see the engine's initEngine). */
  backend?: string
  /** Milliseconds between metric messages from the worker; the UI redraws at this pace. */
  emitIntervalMs?: number
}

/**
 * Where the worker's code is. From TypeScript sources (tests, the command line under tsx) a small
 * bootstrap registers tsx inside the worker; in the built app the bundler emits `trainer-worker.js`
 * beside the main bundle.
 */
function workerEntry(): { file: URL; workerData: unknown } {
  const self = import.meta.url
  if (self.endsWith('.ts')) {
    return {
      file: new URL('./worker-boot.mjs', self),
      workerData: { entry: new URL('./worker.ts', self).href },
    }
  }
  const built = new URL('./trainer-worker.js', self)
  if (!existsSync(fileURLToPath(built))) {
    throw new Error(`the training worker bundle is missing at ${fileURLToPath(built)}; rebuild the app with npm run build`)
  }
  return { file: built, workerData: null }
}

const toBuffer = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)

/**
 * One training run in a worker thread, persisted as it goes: metrics in one transaction per interval,
 * sample grids, events and checkpoints as they arrive. Controls act on the running worker.
 */
export class TrainingSession extends EventEmitter<SessionEvents> {
  readonly finished: Promise<{ status: RunStatus; step: number; error?: string }>
  private readonly worker: Worker
  private lastStep: number
  private ended = false
  private readonly baseSeconds: number

  constructor(
    private readonly store: RunStore,
    readonly run: RunRecord,
    config: RunConfig,
    checkpoint: CheckpointPayload | null,
    applySettings: boolean,
    options: SessionOptions,
  ) {
    super()
    this.lastStep = checkpoint?.step ?? 0
    this.baseSeconds = run.seconds
    store.setStatus(run.id, 'running')
    const entry = workerEntry()
    this.worker = new Worker(entry.file, { workerData: entry.workerData })
    let resolveFinished: (value: { status: RunStatus; step: number; error?: string }) => void = () => undefined
    this.finished = new Promise((resolve) => {
      resolveFinished = resolve
    })
    const finish = (status: RunStatus, error?: string): void => {
      if (this.ended) return
      this.ended = true
      this.store.setStatus(this.run.id, status, { error: error ?? null })
      const result = { status, step: this.lastStep, error }
      this.emit('done', result)
      resolveFinished(result)
      void this.worker.terminate()
    }
    this.worker.on('message', (message: WorkerMessage) => {
      try {
        this.handle(message, finish)
      } catch (error) {
        finish('failed', `storing the run's progress failed: ${(error as Error).message}`)
      }
    })
    this.worker.on('error', (error) => finish('failed', error.stack ?? error.message))
    this.worker.on('exit', (code) => finish('failed', `the training worker exited with code ${code} before the run finished`))
    this.send({
      type: 'start',
      runId: run.id,
      config,
      checkpoint,
      applySettings,
      emitIntervalMs: options.emitIntervalMs ?? 250,
      dataDir: options.dataDir,
      backend: options.backend,
    })
  }

  private handle(message: WorkerMessage, finish: (status: RunStatus, error?: string) => void): void {
    const { store, run } = this
    switch (message.type) {
      case 'progress':
        this.emit('progress', message)
        return
      case 'ready':
        store.setRuntime(run.id, message.backend, message.device)
        this.emit('ready', message)
        return
      case 'config':
        store.setConfig(run.id, message.config, message.config.steps)
        this.emit('config', message.config)
        return
      case 'metrics':
        this.lastStep = message.step
        store.appendMetrics(run.id, message.rows, { step: message.step, seconds: this.baseSeconds + message.seconds })
        this.emit('metrics', message.rows)
        return
      case 'sample':
        if (message.kind === 'grid') {
          const png = toBuffer(message.png)
          store.addSample({ runId: run.id, step: message.step, kind: 'grid', png })
          this.emit('sample', { step: message.step, kind: 'grid', png })
        } else {
          store.addSample({ runId: run.id, step: message.step, kind: 'points', png: null, data: message.data })
          this.emit('sample', { step: message.step, kind: 'points', data: message.data })
        }
        return
      case 'checkpoint': {
        const { payload } = message
        store.saveCheckpoint({
          runId: run.id,
          step: payload.step,
          generator: toBuffer(payload.generator),
          discriminator: toBuffer(payload.discriminator),
          optimizers: toBuffer(payload.optimizers),
          state: payload.state,
        })
        this.emit('checkpoint', { step: payload.step })
        return
      }
      case 'event':
        store.addEvent(run.id, message.event.step, message.event.kind, message.event.message, message.event.data)
        this.emit('event', message.event)
        return
      case 'status':
        this.lastStep = message.step
        store.setStatus(run.id, message.status)
        this.emit('status', message)
        return
      case 'done':
        this.lastStep = message.step
        finish(message.status, message.error)
        return
    }
  }

  private send(command: WorkerCommand): void {
    if (!this.ended) this.worker.postMessage(command)
  }

  get isRunning(): boolean {
    return !this.ended
  }

  pause(): void {
    this.send({ type: 'pause' })
  }

  resume(): void {
    this.send({ type: 'resume' })
  }

  /** Runs one iteration while paused. */
  stepOnce(): void {
    this.send({ type: 'step' })
  }

  /** Stops after the current iteration and saves a checkpoint, so the run can be resumed or forked. */
  stop(): void {
    this.send({ type: 'stop' })
  }

  setLearningRates(lr: { g?: number; d?: number }): void {
    for (const value of [lr.g, lr.d]) {
      if (value !== undefined && !(value > 0 && value <= 10)) throw new RangeError(`learning rate must be in (0, 10], got ${value}`)
    }
    this.send({ type: 'set', lrG: lr.g, lrD: lr.d })
  }

  setRatio(ratio: { dSteps?: number; gSteps?: number }): void {
    for (const value of [ratio.dSteps, ratio.gSteps]) {
      if (value !== undefined && !(Number.isInteger(value) && value >= 1 && value <= 100)) {
        throw new RangeError(`steps per iteration must be an integer from 1 to 100, got ${value}`)
      }
    }
    this.send({ type: 'set', dSteps: ratio.dSteps, gSteps: ratio.gSteps })
  }

  /** Ends the worker at once, for shutdown; the run is marked stopped without a final checkpoint. */
  async terminate(): Promise<void> {
    if (this.ended) return
    this.ended = true
    await this.worker.terminate()
    this.store.setStatus(this.run.id, 'stopped')
  }
}

function describeModel(config: RunConfig): string {
  return config.model.preset
}

/** Creates a run from a configuration and starts training it. */
export function startRun(store: RunStore, input: RunConfigInput | unknown, options: SessionOptions = {}): TrainingSession {
  const config = parseRunConfig(input)
  const run = store.createRun({
    name: config.name ?? `${describeModel(config)} on ${config.dataset}`,
    config,
    seed: config.seed,
    dataset: config.dataset,
    model: describeModel(config),
    totalSteps: config.steps,
  })
  return new TrainingSession(store, run, config, null, true, options)
}

/**
 * Continues a stopped or interrupted run from its latest checkpoint. Metrics and samples stored after
 * that checkpoint are dropped and recomputed, so the resumed curve has no gap and no duplicate.
 */
export function resumeRun(store: RunStore, runId: number, options: SessionOptions & { steps?: number } = {}): TrainingSession {
  const run = store.getRun(runId)
  if (run.status === 'running' || run.status === 'paused') {
    throw new Error(`run ${runId} is ${run.status} in another session; stop it there first`)
  }
  const config = parseRunConfig({ ...(run.config as object), ...(options.steps ? { steps: options.steps } : {}) })
  if (options.steps) store.setConfig(runId, config, config.steps)
  const stored = store.checkpoint(runId)
  const checkpoint = stored
    ? {
        step: stored.step,
        generator: stored.generator,
        discriminator: stored.discriminator,
        optimizers: stored.optimizers,
        state: stored.state as CheckpointPayload['state'],
      }
    : null
  if (checkpoint && checkpoint.step >= config.steps) {
    throw new Error(`run ${runId} already reached step ${checkpoint.step} of ${config.steps}; resume it with more steps (--steps)`)
  }
  store.truncateAfter(runId, checkpoint?.step ?? 0)
  return new TrainingSession(store, store.getRun(runId), config, checkpoint, true, options)
}

/** Deep-merges plain objects; arrays and values from `changes` replace those in `base`. */
function mergeConfig(base: unknown, changes: unknown): unknown {
  if (typeof base !== 'object' || base === null || Array.isArray(base)) return changes
  if (typeof changes !== 'object' || changes === null || Array.isArray(changes)) return changes
  const merged: Record<string, unknown> = { ...(base as Record<string, unknown>) }
  for (const [key, value] of Object.entries(changes as Record<string, unknown>)) {
    merged[key] = key in merged ? mergeConfig(merged[key], value) : value
  }
  return merged
}

/**
 * Starts a new run from a stored checkpoint of another, with changed settings: the same weights,
 * optimizer state and data order from that step, the new learning rates, ratio or loss from then on.
 */
export function forkRun(
  store: RunStore,
  parentId: number,
  step: number | undefined,
  changes: RunConfigInput | Record<string, unknown>,
  options: SessionOptions = {},
): TrainingSession {
  const parent = store.getRun(parentId)
  const stored = step === undefined ? store.checkpoint(parentId) : store.checkpoint(parentId, { atOrBefore: step })
  if (!stored) {
    const steps = store.checkpointSteps(parentId)
    throw new Error(
      `run ${parentId} has no checkpoint at or before step ${step ?? 'latest'}; its checkpoints are at ${steps.length ? steps.join(', ') : 'no step yet'}`,
    )
  }
  const config = parseRunConfig(mergeConfig(parent.config, changes))
  const structural = ['dataset', 'imageSize', 'model', 'grouping'] as const
  for (const key of structural) {
    if (JSON.stringify(config[key]) !== JSON.stringify((parent.config as RunConfig)[key])) {
      throw new Error(`a fork keeps the parent's ${key}: the checkpoint's weights and optimizer state depend on it`)
    }
  }
  const run = store.createRun({
    name: config.name ?? `${parent.name} (fork at ${stored.step})`,
    config,
    seed: config.seed,
    dataset: config.dataset,
    model: describeModel(config),
    totalSteps: config.steps,
    parentRunId: parentId,
    parentStep: stored.step,
  })
  const checkpoint: CheckpointPayload = {
    step: stored.step,
    generator: stored.generator,
    discriminator: stored.discriminator,
    optimizers: stored.optimizers,
    state: stored.state as CheckpointPayload['state'],
  }
  return new TrainingSession(store, run, config, checkpoint, false, options)
}
