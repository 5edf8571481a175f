/** The Runs screen's list: stored runs, refreshed when a run changes state. */
import type { RequestOf, RunSummary, WorkbenchClient } from '../../shared/contract'
import { errorText } from '../lib/errors'
import { filterRuns, sortRuns, type RunFilter, type RunSort } from '../logic/run-list'

export class RunsState {
  runs = $state.raw<RunSummary[]>([])
  loaded = $state(false)
  listError = $state<string | null>(null)
  /** Lists hidden runs too. */
  includeHidden = $state(false)
  filter = $state<RunFilter>({ text: '', status: null })
  sort = $state<RunSort>({ key: 'id', descending: true })
  /** Ids ticked for comparison, in the order they were ticked. */
  picked = $state.raw<number[]>([])
  /** The runs as shown: filtered, then sorted. */
  readonly shown: RunSummary[] = $derived(sortRuns(filterRuns(this.runs, this.filter), this.sort))
  private readonly unsubscribe: () => void
  private refreshTimer = 0

  constructor(private readonly client: WorkbenchClient) {
    this.unsubscribe = client.subscribe((event) => {
      // Status changes and new runs change the list; metrics alone only move the last losses.
      if (event.type === 'run.status' || event.type === 'run.done' || event.type === 'run.ready') this.scheduleRefresh()
    })
    void this.refresh()
  }

  async refresh(): Promise<void> {
    try {
      this.runs = await this.client.call('runs.list', { includeHidden: this.includeHidden })
      const listed = new Set(this.runs.map((run) => run.id))
      this.picked = this.picked.filter((id) => listed.has(id))
      this.listError = null
    } catch (error) {
      this.listError = errorText(error)
    } finally {
      this.loaded = true
    }
  }

  /** Sorts by `key`; choosing the current key again reverses the order. */
  sortBy(key: RunSort['key']): void {
    this.sort = this.sort.key === key ? { key, descending: !this.sort.descending } : { key, descending: false }
  }

  togglePicked(runId: number): void {
    this.picked = this.picked.includes(runId) ? this.picked.filter((id) => id !== runId) : [...this.picked, runId]
  }

  async setIncludeHidden(include: boolean): Promise<void> {
    this.includeHidden = include
    await this.refresh()
  }

  /** Renames, tags, notes or hides a run and puts the stored result into the list. */
  async update(changes: RequestOf<'runs.update'>): Promise<RunSummary> {
    const updated = await this.client.call('runs.update', changes)
    this.runs = this.runs.flatMap((run) => (run.id !== updated.id ? [run] : updated.hidden && !this.includeHidden ? [] : [updated]))
    return updated
  }

  async remove(runId: number): Promise<void> {
    await this.client.call('runs.delete', { runId })
    this.runs = this.runs.filter((run) => run.id !== runId)
  }

  async resume(runId: number): Promise<number> {
    const { runId: resumed } = await this.client.call('training.resume', { runId })
    this.scheduleRefresh()
    return resumed
  }

  dispose(): void {
    clearTimeout(this.refreshTimer)
    this.unsubscribe()
  }

  private scheduleRefresh(): void {
    clearTimeout(this.refreshTimer)
    this.refreshTimer = window.setTimeout(() => void this.refresh(), 300)
  }
}
