/** Turns stored runs, metrics and samples into the shapes of the contract. */
import type { Metric, RunDetail, RunSummary, Sample } from '../../shared/contract'
import type Database from 'better-sqlite3'
import type { RunStore } from '../store/run-store'
import type { MetricRecord, RunRecord, SampleRecord } from '../store/types'
import type { PointsSample } from '../trainer/trainer'

export function toRunSummary(store: RunStore, run: RunRecord, live: boolean): RunSummary {
  return {
    id: run.id,
    name: run.name,
    status: run.status,
    dataset: run.dataset,
    model: run.model,
    step: run.step,
    totalSteps: run.totalSteps,
    seconds: run.seconds,
    parentRunId: run.parentRunId,
    parentStep: run.parentStep,
    tags: run.tags,
    note: run.note,
    hidden: run.hidden,
    createdAt: run.createdAt,
    config: (run.config ?? {}) as Record<string, unknown>,
    last: store.lastMetrics(run.id),
    ...latestEvaluationOf(store, run.id),
    live,
  }
}

const latestExtraStatements = new WeakMap<RunStore, Database.Statement>()

/**
 * Reads the numbers of a run's newest evaluation: the `extra` of the latest metric row that records
 * an evaluation sample count. The scan walks the (run_id, step) primary key backwards and stops at
 * the newest evaluated row. A run that was never evaluated costs one pass over its rows.
 */
function latestEvaluationOf(store: RunStore, runId: number): { latestEvaluation?: Record<string, number> } {
  let statement = latestExtraStatements.get(store)
  if (!statement) {
    statement = store.db.prepare(
      "SELECT step, extra FROM metrics WHERE run_id = ? AND extra IS NOT NULL AND json_extract(extra, '$.evaluationSamples') IS NOT NULL ORDER BY step DESC LIMIT 1",
    )
    latestExtraStatements.set(store, statement)
  }
  const row = statement.get(runId) as { step: number; extra: string } | undefined
  if (!row) return {}
  const values: Record<string, number> = { step: row.step }
  for (const [key, value] of Object.entries(JSON.parse(row.extra) as Record<string, unknown>)) {
    if (typeof value === 'number' && Number.isFinite(value)) values[key] = value
  }
  return { latestEvaluation: values }
}

export function toRunDetail(store: RunStore, run: RunRecord, live: boolean): RunDetail {
  return {
    ...toRunSummary(store, run, live),
    backend: run.backend,
    device: run.device,
    error: run.error,
    checkpoints: store.checkpointSteps(run.id),
    gridSteps: store.sampleSteps(run.id, 'grid'),
    pointSteps: store.sampleSteps(run.id, 'points'),
    events: store.events(run.id).map((event) => ({
      step: event.step,
      kind: event.kind,
      message: event.message,
      ...(event.data === null ? {} : { data: event.data }),
    })),
  }
}

/**
 * Picks `maxPoints` rows spread evenly over `rows` by position, always keeping the first and the last,
 * so an overview chart of a long run shows its whole span. Rows are returned unchanged when they fit.
 */
export function thinMetrics(rows: readonly MetricRecord[], maxPoints: number): Metric[] {
  if (rows.length <= maxPoints) return [...rows]
  // With more rows than points the stride (n - 1) / (m - 1) exceeds 1, so rounded indices never repeat.
  const stride = (rows.length - 1) / (maxPoints - 1)
  return Array.from({ length: maxPoints }, (_, i) => rows[Math.round(i * stride)])
}

export function pngDataUrl(png: Buffer): string {
  return `data:image/png;base64,${png.toString('base64')}`
}

export function toSample(record: SampleRecord): Sample {
  if (record.kind === 'grid') {
    if (!record.png) throw new Error(`the grid sample of run ${record.runId} at step ${record.step} has no image stored`)
    return { runId: record.runId, step: record.step, kind: 'grid', dataUrl: pngDataUrl(record.png) }
  }
  return { runId: record.runId, step: record.step, kind: 'points', data: record.data as PointsSample }
}
