/**
 * One run in the UI: its stored detail, metric series, events and latest sample, kept current by the
 * backend's events. The Live screen and the Runs screen's detail both use it.
 */
import type { BackendEvent, Metric, RunDetail, RunEvent, RunStatus, Sample, WorkbenchClient } from '../../shared/contract'
import { errorText } from '../lib/errors'
import { StepRate } from '../logic/rate'
import { MetricSeries } from '../logic/series'
import { withAncestors } from './ancestry'

export interface StepMarker {
  step: number
  kind: 'lr-change' | 'ratio-change'
  message: string
}

/** Rows kept for the health rules: their window is 50 steps (HEALTH_THRESHOLDS.window). */
const recentRows = 50

export const markerKinds: ReadonlySet<string> = new Set(['lr-change', 'ratio-change'])

export class RunData {
  detail = $state.raw<RunDetail | null>(null)
  status = $state<RunStatus | null>(null)
  step = $state(0)
  /** Bumped whenever the series grow; charts redraw on it. */
  revision = $state(0)
  events = $state.raw<RunEvent[]>([])
  sample = $state.raw<Sample | null>(null)
  progress = $state.raw<{ phase: string; fraction: number; message: string } | null>(null)
  backend = $state<string | null>(null)
  device = $state<string | null>(null)
  stepsPerSecond = $state<number | null>(null)
  latest = $state.raw<Metric | null>(null)
  /** The last rows, for the health rules that look at a window of steps. */
  recent = $state.raw<Metric[]>([])
  /** The newest sample-quality evaluation: the `extra` values of the last evaluated row. */
  evaluation = $state.raw<{ step: number; values: Record<string, number | null> } | null>(null)
  error = $state<string | null>(null)
  loadError = $state<string | null>(null)
  loading = $state(true)
  /** Plain arrays: 100,000 points per series would be slow as deep reactive state. */
  readonly series = new MetricSeries()
  private readonly rate = new StepRate()
  private readonly unsubscribe: () => void
  /** Live rows that arrived while the stored history was loading, applied after it. */
  private buffered: Metric[] | null = []

  readonly markers: StepMarker[] = $derived(
    this.events
      .filter((event) => markerKinds.has(event.kind))
      .map((event) => ({ step: event.step, kind: event.kind as StepMarker['kind'], message: event.message })),
  )

  constructor(
    private readonly client: WorkbenchClient,
    readonly runId: number,
  ) {
    this.unsubscribe = client.subscribe((event) => this.receive(event))
    void this.load()
  }

  /** Loads the stored run; called again after a reconnect to catch up. */
  async load(): Promise<void> {
    this.buffered ??= []
    try {
      const detail = await this.client.call('runs.get', { runId: this.runId })
      this.detail = detail
      this.status = detail.status
      this.step = Math.max(this.step, detail.step)
      this.backend = detail.backend
      this.device = detail.device
      this.events = detail.events
      if (detail.error) this.error = detail.error
      const fromStep = this.series.lastStep + 1
      let rows = await this.client.call('runs.metrics', { runId: this.runId, fromStep })
      // A fork's charts start with its parents' curves, up to the step it was forked at.
      if (fromStep === 0 && detail.parentRunId !== null) rows = await withAncestors(this.client, detail, rows)
      this.takeRows(rows)
      for (const row of this.buffered ?? []) this.takeRows([row])
      this.buffered = null
      const kind = detail.pointSteps.length > 0 && detail.gridSteps.length === 0 ? 'points' : 'grid'
      const sample = await this.client.call('runs.sample', { runId: this.runId, kind })
      if (sample && (!this.sample || sample.step >= this.sample.step)) this.sample = sample
      this.loadError = null
    } catch (error) {
      this.loadError = errorText(error)
    } finally {
      this.buffered = null
      this.loading = false
    }
  }

  dispose(): void {
    this.unsubscribe()
  }

  private takeRows(rows: readonly Metric[]): void {
    if (this.series.append(rows) === 0) return
    this.latest = this.series.latest
    this.recent = [...this.recent, ...rows].slice(-recentRows)
    // Only evaluated rows carry extra values, and every evaluation records its sample count.
    const evaluated = rows.findLast((row) => typeof row.extra?.evaluationSamples === 'number')
    if (evaluated?.extra && (!this.evaluation || evaluated.step > this.evaluation.step)) {
      this.evaluation = { step: evaluated.step, values: evaluated.extra }
    }
    this.step = Math.max(this.step, this.series.lastStep)
    this.revision++
  }

  private receive(event: BackendEvent): void {
    if (event.type === 'dataset.progress' || ('runId' in event && event.runId !== this.runId)) return
    switch (event.type) {
      case 'run.progress':
        this.progress = { phase: event.phase, fraction: event.fraction, message: event.message }
        break
      case 'run.ready':
        this.progress = null
        this.backend = event.backend
        this.device = event.device
        this.step = event.step
        break
      case 'run.metrics':
        if (this.buffered) this.buffered.push(...event.rows)
        else this.takeRows(event.rows)
        if (event.rows.length > 0) {
          this.rate.record(event.rows[event.rows.length - 1].step, performance.now())
          this.stepsPerSecond = this.rate.perSecond()
        }
        break
      case 'run.sample':
        if (event.sample.runId === this.runId && (!this.sample || event.sample.step >= this.sample.step || event.sample.kind !== this.sample.kind)) {
          this.sample = event.sample
        }
        break
      case 'run.event':
        this.events = [...this.events, event.event]
        break
      case 'run.status':
        this.setStatus(event.status)
        this.step = Math.max(this.step, event.step)
        break
      case 'run.done':
        this.setStatus(event.status)
        this.step = Math.max(this.step, event.step)
        this.progress = null
        if (event.error) this.error = event.error
        break
    }
  }

  private setStatus(status: RunStatus): void {
    // The rate counts training time only: a pause would otherwise lower it.
    if (status !== 'running') {
      this.rate.reset()
      this.stepsPerSecond = null
    }
    this.status = status
    if (this.detail) this.detail = { ...this.detail, status, live: status === 'running' || status === 'paused' }
  }
}
