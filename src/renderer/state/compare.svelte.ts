/**
 * The Compare screen's state: each picked run's detail and metric history (a fork's continued from
 * its parent's), the one step every view follows, and each run's grid nearest to that step.
 */
import type { Metric, RunDetail, Sample, WorkbenchClient } from '../../shared/contract'
import { errorText } from '../lib/errors'
import { nearestStep, stepRange } from '../logic/compare'
import { withAncestors } from './ancestry'

/** Line colours for up to eight runs; later runs reuse them in order. */
export const runColors = ['#1c7ed6', '#e8590c', '#2f9e44', '#ae3ec9', '#f08c00', '#0c8599', '#c2255c', '#5c940d']

export interface ComparedRun {
  id: number
  detail: RunDetail
  /** Metric rows by step; a fork's start with its parent's rows up to the fork step. */
  rows: Metric[]
  color: string
}

/** Forks of forks are followed this many levels up; deeper ancestry is left out of the curve. */

export class CompareState {
  runs = $state.raw<ComparedRun[]>([])
  loading = $state(true)
  loadError = $state<string | null>(null)
  /** The step the slider or a chart click chose; null until the runs load (then the last stored grid). */
  step = $state<number | null>(null)
  /** The grid each run shows, by run id; missing while it loads or when the run has none. */
  grids = $state.raw<Record<number, Sample>>({})
  gridError = $state<string | null>(null)
  private readonly cache = new Map<string, Sample | null>()
  private latestRequest = 0

  readonly range = $derived(stepRange(this.runs.map((run) => run.detail.gridSteps)))

  /** The stored grid step each run shows for the current step. */
  readonly shownSteps: Record<number, number | null> = $derived.by(() => {
    const chosen = this.step ?? this.range?.max ?? 0
    return Object.fromEntries(this.runs.map((run) => [run.id, nearestStep(run.detail.gridSteps, chosen)]))
  })

  constructor(
    private readonly client: WorkbenchClient,
    readonly runIds: readonly number[],
  ) {
    void this.load()
  }

  async load(): Promise<void> {
    this.loading = true
    try {
      const loaded = await Promise.all(this.runIds.map((runId, index) => this.loadRun(runId, index)))
      this.runs = loaded
      this.step ??= this.range?.max ?? null
      this.loadError = null
      await this.loadGrids()
    } catch (error) {
      this.loadError = errorText(error)
    } finally {
      this.loading = false
    }
  }

  /** Moves every view to `step`; the grids follow once their samples arrive. */
  setStep(step: number): void {
    this.step = Math.round(step)
    void this.loadGrids()
  }

  private async loadRun(runId: number, index: number): Promise<ComparedRun> {
    const detail = await this.client.call('runs.get', { runId })
    // Continue the curve through the parents: each fork starts from its parent's checkpoint.
    const rows = await withAncestors(this.client, detail, await this.client.call('runs.metrics', { runId }))
    return { id: runId, detail, rows, color: runColors[index % runColors.length] }
  }

  private async loadGrids(): Promise<void> {
    const id = ++this.latestRequest
    const targets = this.shownSteps
    try {
      const entries = await Promise.all(
        this.runs.map(async (run) => {
          const step = targets[run.id]
          return [run.id, step === null ? null : await this.sampleAt(run.id, step)] as const
        }),
      )
      if (id !== this.latestRequest) return
      const grids: Record<number, Sample> = {}
      for (const [runId, sample] of entries) if (sample) grids[runId] = sample
      this.grids = grids
      this.gridError = null
    } catch (error) {
      if (id === this.latestRequest) this.gridError = errorText(error)
    }
  }

  private async sampleAt(runId: number, step: number): Promise<Sample | null> {
    const key = `${runId}:${step}`
    if (this.cache.has(key)) return this.cache.get(key) ?? null
    const sample = await this.client.call('runs.sample', { runId, kind: 'grid', step })
    this.cache.set(key, sample)
    return sample
  }
}
