/**
 * Reads the evaluations stored with a run: the latest one, a ranking summary for `runs list`, and
 * the health warnings for `runs show`.
 */
import type { RunStore } from '../store/run-store'
import type { RunRecord } from '../store/types'
import type { RunConfig } from '../trainer/config'
import { HEALTH_THRESHOLDS, healthWarnings, type HealthWarning } from './health'
import { isEvaluation, type EvaluationMetrics } from './names'

export interface StoredEvaluation {
  step: number
  metrics: EvaluationMetrics
}

/** Returns the run's latest evaluated row's metrics, or null when it has none. */
export function latestEvaluation(store: RunStore, runId: number): StoredEvaluation | null {
  // Evaluated rows are the only ones with `extra`, so the newest such row is the latest evaluation.
  const rows = store.db
    .prepare('SELECT step, extra FROM metrics WHERE run_id = ? AND extra IS NOT NULL ORDER BY step DESC LIMIT 20')
    .all(runId) as Array<{ step: number; extra: string }>
  for (const row of rows) {
    const metrics = JSON.parse(row.extra) as EvaluationMetrics
    if (isEvaluation(metrics)) return { step: row.step, metrics }
  }
  return null
}

/** The numbers runs are ranked by, flat for `runs list --json`, and null where the run has no such metric. */
export interface EvaluationSummary {
  evaluationStep: number | null
  fd: number | null
  precision: number | null
  recall: number | null
  modesCovered: number | null
  modesTotal: number | null
  highQualityShare: number | null
  jsRealFake: number | null
}

export function evaluationSummary(store: RunStore, runId: number): EvaluationSummary {
  const latest = latestEvaluation(store, runId)
  const value = (key: string): number | null => latest?.metrics[key] ?? null
  return {
    evaluationStep: latest?.step ?? null,
    fd: value('fd'),
    precision: value('precision'),
    recall: value('recall'),
    modesCovered: value('modesCovered'),
    modesTotal: value('modesTotal'),
    highQualityShare: value('highQualityShare'),
    jsRealFake: value('jsRealFake'),
  }
}

/** Returns the health warnings from the run's last 50 stored steps and its latest evaluation. */
export function runHealth(store: RunStore, run: RunRecord): HealthWarning[] {
  // No upper bound: a step that produced NaN is stored one past the last completed step.
  const recent = store.metrics(run.id, Math.max(0, run.step - HEALTH_THRESHOLDS.window + 1))
  const loss = (run.config as Partial<RunConfig> | null)?.loss
  return healthWarnings(recent, latestEvaluation(store, run.id)?.metrics ?? null, { loss })
}
