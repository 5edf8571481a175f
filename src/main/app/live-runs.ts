/**
 * The training sessions this process runs (started, resumed or forked through the service): their
 * controls, and their events forwarded as BackendEvents.
 */
import type { BackendEvent } from '../../shared/contract'
import type { TrainingSession } from '../trainer/host'
import { ServiceError } from './errors'
import type { Logger } from './log'
import { pngDataUrl } from './run-views'

export type ControlAction = 'pause' | 'resume' | 'step' | 'stop'

interface LiveRun {
  session: TrainingSession
  /**
   * Whether the worker is paused or will be once it reads the pause already sent. Set on a pause
   * request and on a 'paused' status (the worker pauses by itself on a non-finite loss).
   */
  paused: boolean
  /** The last step the worker reported. */
  step: number
}

export class LiveRuns {
  private readonly runs = new Map<number, LiveRun>()

  constructor(
    private readonly emit: (event: BackendEvent) => void,
    private readonly log: Logger,
  ) {}

  has(runId: number): boolean {
    return this.runs.has(runId)
  }

  get size(): number {
    return this.runs.size
  }

  /** Registers a session that has just started and forwards its events until it finishes. */
  track(session: TrainingSession): void {
    const runId = session.run.id
    const live: LiveRun = { session, paused: false, step: session.run.step }
    this.runs.set(runId, live)
    this.log.info(`run ${runId} started training (${session.run.name})`)

    session.on('progress', ({ phase, fraction, message }) => this.emit({ type: 'run.progress', runId, phase, fraction, message }))
    session.on('ready', (ready) => this.emit({ type: 'run.ready', runId, backend: ready.backend, device: ready.device, step: ready.step }))
    session.on('metrics', (rows) => {
      live.step = rows.at(-1)?.step ?? live.step
      this.emit({ type: 'run.metrics', runId, rows })
    })
    session.on('sample', (sample) => {
      if (sample.kind === 'grid') {
        this.emit({ type: 'run.sample', sample: { runId, step: sample.step, kind: 'grid', dataUrl: pngDataUrl(sample.png) } })
      } else {
        this.emit({ type: 'run.sample', sample: { runId, step: sample.step, kind: 'points', data: sample.data } })
      }
    })
    session.on('event', (event) => this.emit({ type: 'run.event', runId, event }))
    session.on('status', ({ status, step }) => {
      if (status === 'paused') live.paused = true
      live.step = step
      this.emit({ type: 'run.status', runId, status, step })
    })
    session.on('done', ({ status, step, error }) => {
      this.runs.delete(runId)
      if (error) this.log.error(`run ${runId} ended ${status} at step ${step}: ${error}`)
      else this.log.info(`run ${runId} ended ${status} at step ${step}`)
      this.emit({ type: 'run.done', runId, status, step, ...(error ? { error } : {}) })
    })
  }

  /** Returns the session training `runId`. Callers check `has` first and report a run that is not live. */
  private live(runId: number): LiveRun {
    const live = this.runs.get(runId)
    if (!live) throw new Error(`run ${runId} is not live in this process`)
    return live
  }

  control(runId: number, action: ControlAction): void {
    const live = this.live(runId)
    switch (action) {
      case 'pause':
        live.paused = true
        live.session.pause()
        return
      case 'resume':
        live.paused = false
        live.session.resume()
        return
      case 'step':
        // The worker counts single steps while it runs and would spend them at the next pause.
        if (!live.paused) throw new ServiceError('CONFLICT', `run ${runId} is training; pause it before stepping one iteration`)
        live.session.stepOnce()
        return
      case 'stop':
        live.session.stop()
        return
    }
  }

  set(runId: number, changes: { lrG?: number; lrD?: number; dSteps?: number; gSteps?: number }): void {
    const { session } = this.live(runId)
    if (changes.lrG !== undefined || changes.lrD !== undefined) session.setLearningRates({ g: changes.lrG, d: changes.lrD })
    if (changes.dSteps !== undefined || changes.gSteps !== undefined) session.setRatio({ dSteps: changes.dSteps, gSteps: changes.gSteps })
  }

  /**
   * Stops every session after its current iteration, so each saves a checkpoint and can be resumed.
   * A session that has not finished after `timeoutMs` is terminated and marked stopped without one.
   */
  async stopAll(timeoutMs: number): Promise<void> {
    await Promise.all([...this.runs.values()].map((live) => this.stopOne(live, timeoutMs)))
  }

  private async stopOne(live: LiveRun, timeoutMs: number): Promise<void> {
    const { session } = live
    const runId = session.run.id
    session.stop()
    let timer: NodeJS.Timeout | undefined
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs)
    })
    const outcome = await Promise.race([session.finished, timedOut])
    clearTimeout(timer)
    if (outcome !== 'timeout') return

    this.log.warn(`run ${runId} did not stop within ${timeoutMs} ms; terminating its worker without a final checkpoint`)
    await session.terminate()
    // terminate() ends the session without its 'done' event, so the run leaves the registry here.
    if (this.runs.delete(runId)) this.emit({ type: 'run.done', runId, status: 'stopped', step: live.step })
  }
}
