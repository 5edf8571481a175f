/** The Runs screen's list: stored runs, refreshed when a run changes state. */
import type { RunSummary, WorkbenchClient } from '../../shared/contract'
import { errorText } from '../lib/errors'

export class RunsState {
  runs = $state.raw<RunSummary[]>([])
  loaded = $state(false)
  listError = $state<string | null>(null)
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
      this.runs = await this.client.call('runs.list', {})
      this.listError = null
    } catch (error) {
      this.listError = errorText(error)
    } finally {
      this.loaded = true
    }
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
