/**
 * The backend behind the UI, whatever carries its messages (Electron IPC or the browser transport's
 * WebSocket). `handle` validates a request against the contract and dispatches it to one handler per
 * channel. `subscribe` delivers the events of live runs and downloads. It imports nothing from
 * Electron, so it runs under plain Node in tests and in `npm run cli -- serve`.
 */
import {
  parseRequest, type BackendEvent, type Channel, type Reply, type RequestOf, type Results,
} from '../../shared/contract'
import type { EngineInfo } from '../../preload/api'
import { inspectDataset } from '../datasets'
import { engineInfo } from '../engine-info'
import type { RunStore } from '../store/run-store'
import type { RunRecord } from '../store/types'
import { parseRunConfig } from '../trainer/config'
import { forkRun, resumeRun, startRun, type SessionOptions } from '../trainer/host'
import { Downloads, listDatasetEntries } from './datasets'
import { ServiceError, toErrorReply } from './errors'
import { handleExport } from './export-request'
import { checkForkKeepsStructure } from './fork-check'
import { LiveRuns } from './live-runs'
import { stderrLogger, type Logger } from './log'
import { thinMetrics, toRunDetail, toRunSummary, toSample } from './run-views'

export interface AppServiceOptions {
  store: RunStore
  /** The app data folder: downloaded datasets live in `<dataDir>/datasets`. */
  dataDir: string
  /** The run database's file, reported by `app.info`. */
  databasePath: string
  transport: 'electron' | 'browser'
  /** The app's version, reported by `app.info`. */
  version: string
  /** Opens a native file or folder dialog; without one, `datasets.choose` replies `supported: false`. */
  chooser?: (kind: 'folder' | 'file') => Promise<string | null>
  /** Options for every training session: a forced backend, the metric interval. */
  session?: Pick<SessionOptions, 'backend' | 'emitIntervalMs'>
  /** Starts the engine in this process and reports its backend; main's engineInfo unless given. */
  engineInfo?: () => Promise<EngineInfo>
  log?: Logger
  /** Milliseconds `dispose` waits for each run to checkpoint and stop before terminating it. */
  stopTimeoutMs?: number
}

type Handlers = { [C in Channel]: (payload: RequestOf<C>) => Results[C] | Promise<Results[C]> }

export class AppService {
  private readonly store: RunStore
  private readonly log: Logger
  private readonly listeners = new Set<(event: BackendEvent) => void>()
  private readonly live: LiveRuns
  private readonly downloads: Downloads
  private readonly handlers: Handlers
  private disposed = false

  constructor(private readonly options: AppServiceOptions) {
    this.store = options.store
    this.log = options.log ?? stderrLogger
    this.live = new LiveRuns((event) => this.emit(event), this.log)
    this.downloads = new Downloads(options.dataDir, (event) => this.emit(event), this.log)
    this.handlers = this.createHandlers()

    const interrupted = this.store.recoverInterrupted()
    if (interrupted.length > 0) {
      this.log.info(`marked runs ${interrupted.join(', ')} interrupted: the process training them had ended`)
    }
  }

  /**
   * Validates and runs one request. Every failure comes back as an ErrorReply, never as an exception,
   * so a transport can send the reply as it is.
   */
  async handle(channel: unknown, payload: unknown): Promise<Reply<Channel>> {
    const parsed = parseRequest(channel, payload)
    if (!parsed.ok) return { ok: false, error: parsed.error }
    if (this.disposed) {
      return { ok: false, error: { code: 'FAILED', message: `${parsed.channel} was not run: the app is shutting down` } }
    }
    try {
      const handler = this.handlers[parsed.channel] as (payload: unknown) => unknown
      const result = (await handler(parsed.payload)) as Results[Channel]
      return { ok: true, result }
    } catch (error) {
      const reply = toErrorReply(error)
      if (reply.code === 'FAILED') this.log.error(`${parsed.channel} failed: ${error instanceof Error ? (error.stack ?? error.message) : reply.message}`)
      return { ok: false, error: reply }
    }
  }

  /** Calls `listener` with every BackendEvent from now on; returns the function that unsubscribes it. */
  subscribe(listener: (event: BackendEvent) => void): () => void {
    this.listeners.add(listener)
    return () => {
      this.listeners.delete(listener)
    }
  }

  /** Sends an event to every subscriber, as the desktop menu does for navigation. */
  emit(event: BackendEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event)
      } catch (error) {
        this.log.error(`an event listener failed on ${event.type}: ${(error as Error).message}`)
      }
    }
  }

  /** Checks whether a session of this service is training `runId`. */
  isLive(runId: number): boolean {
    return this.live.has(runId)
  }

  /**
   * Cancels downloads and stops every live run after its current iteration, so each saves a
   * checkpoint, then rejects further requests. The caller closes the store afterwards.
   */
  async dispose(): Promise<void> {
    if (this.disposed) return
    this.disposed = true
    const runs = this.live.size
    if (runs > 0) this.log.info(`stopping ${runs} live run${runs === 1 ? '' : 's'} before shutting down`)
    await Promise.all([this.downloads.abortAll(), this.live.stopAll(this.options.stopTimeoutMs ?? 30_000)])
    this.listeners.clear()
  }

  private sessionOptions(): SessionOptions {
    return { ...this.options.session, dataDir: this.options.dataDir }
  }

  /** Raises CONFLICT unless this service trains `run`, naming what the caller can do instead. */
  private requireLive(run: RunRecord): void {
    if (this.live.has(run.id)) return
    if (run.status === 'running' || run.status === 'paused') {
      throw new ServiceError('CONFLICT', `run ${run.id} is ${run.status} in another process (pid ${run.pid ?? 'unknown'}); control it there`)
    }
    throw new ServiceError('CONFLICT', `run ${run.id} is ${run.status}, not training; continue it with training.resume or start a fork`)
  }

  /** Raises CONFLICT when any process is training `run`. */
  private requireIdle(run: RunRecord, action: string): void {
    if (this.live.has(run.id)) throw new ServiceError('CONFLICT', `run ${run.id} is training; stop it before you ${action} it`)
    if (run.status === 'running' || run.status === 'paused') {
      throw new ServiceError('CONFLICT', `run ${run.id} is ${run.status} in another process (pid ${run.pid ?? 'unknown'}); stop it there before you ${action} it`)
    }
  }

  private summary(run: RunRecord) {
    return toRunSummary(this.store, run, this.live.has(run.id))
  }

  private createHandlers(): Handlers {
    const { store, options } = this
    return {
      'app.info': async () => {
        const engine = await (options.engineInfo ?? engineInfo)()
        return {
          version: options.version,
          backend: engine.ok ? { name: engine.backend, tfjsBackend: engine.tfjsBackend, device: engine.device, tried: engine.tried } : null,
          backendError: engine.ok ? null : engine.error,
          dataDir: options.dataDir,
          database: options.databasePath,
          transport: options.transport,
        }
      },
      'config.defaults': () => ({ defaults: parseRunConfig({}) as unknown as Record<string, unknown> }),

      'datasets.list': () => listDatasetEntries(options.dataDir),
      'datasets.inspect': async ({ ref }) => (await inspectDataset(ref, { dataDir: options.dataDir })) as unknown as Record<string, unknown>,
      'datasets.choose': async ({ kind }) => {
        if (!options.chooser) return { supported: false, path: null }
        return { supported: true, path: await options.chooser(kind) }
      },
      'datasets.download': ({ name }) => {
        this.downloads.start(name)
        return { started: true }
      },

      'runs.list': ({ includeHidden }) => store.listRuns({ includeHidden }).map((run) => this.summary(run)),
      'runs.get': ({ runId }) => toRunDetail(store, store.getRun(runId), this.live.has(runId)),
      'runs.metrics': ({ runId, fromStep, maxPoints }) => {
        store.getRun(runId)
        const rows = store.metrics(runId, fromStep ?? 0)
        return maxPoints === undefined ? rows : thinMetrics(rows, maxPoints)
      },
      'runs.sample': ({ runId, kind, step }) => {
        store.getRun(runId)
        const record = store.sample(runId, kind, step)
        return record ? toSample(record) : null
      },
      'runs.update': ({ runId, name, note, tags, hidden }) => {
        store.getRun(runId)
        if (name !== undefined) store.rename(runId, name)
        if (note !== undefined) store.setNote(runId, note)
        if (tags !== undefined) store.setTags(runId, tags)
        if (hidden !== undefined) store.setHidden(runId, hidden)
        return this.summary(store.getRun(runId))
      },
      'runs.delete': ({ runId }) => {
        this.requireIdle(store.getRun(runId), 'delete')
        store.deleteRun(runId)
        this.log.info(`run ${runId} deleted`)
        return { deleted: runId }
      },
      'runs.export': (request) => handleExport(store, request),

      'training.start': ({ config }) => {
        const session = startRun(store, config, this.sessionOptions())
        this.live.track(session)
        return { runId: session.run.id }
      },
      'training.control': ({ runId, action }) => {
        this.requireLive(store.getRun(runId))
        this.live.control(runId, action)
        return { ok: true }
      },
      'training.set': ({ runId, ...changes }) => {
        if (Object.values(changes).every((value) => value === undefined)) {
          throw new ServiceError('INVALID_REQUEST', 'training.set changes nothing: give at least one of lrG, lrD, dSteps, gSteps', [
            { path: '', message: 'give at least one of lrG, lrD, dSteps, gSteps' },
          ])
        }
        this.requireLive(store.getRun(runId))
        this.live.set(runId, changes)
        return { ok: true }
      },
      'training.resume': ({ runId, steps }) => {
        const run = store.getRun(runId)
        this.requireIdle(run, 'resume')
        const target = steps ?? run.totalSteps
        const checkpoint = store.checkpointSteps(runId).at(-1) ?? 0
        if (checkpoint >= target) {
          throw new ServiceError('CONFLICT', `run ${runId} already reached step ${checkpoint} of ${target}; resume it with more steps (steps > ${checkpoint})`)
        }
        const session = resumeRun(store, runId, { ...this.sessionOptions(), steps })
        this.live.track(session)
        return { runId }
      },
      'training.fork': ({ runId, step, changes }) => {
        const parent = store.getRun(runId)
        const steps = store.checkpointSteps(runId)
        if (!steps.some((checkpointStep) => step === undefined || checkpointStep <= step)) {
          throw new ServiceError(
            'NOT_FOUND',
            `run ${runId} has no checkpoint at or before step ${step ?? 'latest'}; its checkpoints are at ${steps.length ? steps.join(', ') : 'no step yet'}`,
          )
        }
        checkForkKeepsStructure(parent.config, changes)
        const session = forkRun(store, runId, step, changes, this.sessionOptions())
        this.live.track(session)
        return { runId: session.run.id }
      },
    }
  }
}
