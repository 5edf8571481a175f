/**
 * Filtering and sorting of the Runs list. Every sortable column has a key that reads one comparable
 * value from a RunSummary: a number, a string, or null where the run has none (nulls sort last in
 * either direction, so runs without a value never crowd the top).
 */
import type { RunStatus, RunSummary } from '../../shared/contract'
import { readPath } from './config-form'

export const sortKeys = [
  'id', 'name', 'status', 'dataset', 'model', 'created', 'step',
  'lrG', 'lrD', 'ratio', 'grouping', 'scheme', 'loss',
  'dLoss', 'gLoss', 'fd', 'modesCovered',
] as const
export type SortKey = (typeof sortKeys)[number]

export interface RunSort {
  key: SortKey
  descending: boolean
}

const numberOrNull = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null)
const stringOrNull = (value: unknown): string | null => (typeof value === 'string' ? value : null)

/** Reads the value a column sorts by. The D:G ratio sorts as dSteps / gSteps. */
export function sortValue(run: RunSummary, key: SortKey): number | string | null {
  const setting = (path: string): unknown => readPath(run.config, path)
  switch (key) {
    case 'id': return run.id
    case 'name': return run.name.toLowerCase()
    case 'status': return run.status
    case 'dataset': return run.dataset.toLowerCase()
    case 'model': return run.model.toLowerCase()
    case 'created': return run.createdAt
    case 'step': return run.step
    case 'lrG': return numberOrNull(setting('optimizerG.lr'))
    case 'lrD': return numberOrNull(setting('optimizerD.lr'))
    case 'ratio': {
      const d = numberOrNull(setting('dSteps'))
      const g = numberOrNull(setting('gSteps'))
      return d !== null && g !== null && g > 0 ? d / g : null
    }
    case 'grouping': return stringOrNull(setting('grouping'))
    case 'scheme': return stringOrNull(setting('scheme'))
    case 'loss': return stringOrNull(setting('loss'))
    case 'dLoss': return numberOrNull(run.last?.dLoss)
    case 'gLoss': return numberOrNull(run.last?.gLoss)
    case 'fd': return numberOrNull(run.latestEvaluation?.fd)
    case 'modesCovered': return numberOrNull(run.latestEvaluation?.modesCovered)
  }
}

function compareValues(a: number | string | null, b: number | string | null, descending: boolean): number {
  if (a === null && b === null) return 0
  if (a === null) return 1
  if (b === null) return -1
  const order = typeof a === 'number' && typeof b === 'number' ? a - b : String(a).localeCompare(String(b))
  return descending ? -order : order
}

/** Returns the runs sorted by `sort`, ties broken by newest id first. The input is left unchanged. */
export function sortRuns(runs: readonly RunSummary[], sort: RunSort): RunSummary[] {
  return [...runs].sort((a, b) => compareValues(sortValue(a, sort.key), sortValue(b, sort.key), sort.descending) || b.id - a.id)
}

export interface RunFilter {
  /** Words that must all appear in the name, dataset, model or tags (case-insensitive). */
  text: string
  /** Only runs of this status; null for all. */
  status: RunStatus | null
}

/** Keeps the runs that match every word of the filter text and the chosen status. */
export function filterRuns(runs: readonly RunSummary[], filter: RunFilter): RunSummary[] {
  const words = filter.text.toLowerCase().split(/\s+/).filter(Boolean)
  return runs.filter((run) => {
    if (filter.status !== null && run.status !== filter.status) return false
    const haystack = [run.name, run.dataset, run.model, ...run.tags, `#${run.id}`].join(' ').toLowerCase()
    return words.every((word) => haystack.includes(word))
  })
}

/** Splits a comma-separated tag field into tags, trimmed, without empty or repeated ones. */
export function parseTags(text: string): string[] {
  return [...new Set(text.split(',').map((tag) => tag.trim()).filter(Boolean))]
}
