import type { Metric, RunDetail, WorkbenchClient } from '../../shared/contract'
import { stitchParent } from '../logic/compare'

/** How many generations of forks a curve follows back. */
export const maxAncestors = 8

/**
 * Prepends the parents' metrics to a forked run's own rows, generation by generation, so its curves
 * continue from where each fork started.
 */
export async function withAncestors(client: WorkbenchClient, detail: RunDetail, ownRows: Metric[]): Promise<Metric[]> {
  let rows = ownRows
  let child: RunDetail = detail
  for (let level = 0; level < maxAncestors && child.parentRunId !== null && child.parentStep !== null; level++) {
    const parent = await client.call('runs.get', { runId: child.parentRunId })
    const parentRows = await client.call('runs.metrics', { runId: parent.id })
    rows = stitchParent(parentRows, child.parentStep, rows)
    child = parent
  }
  return rows
}
