/**
 * Warnings about a run's health, derived from its recent per-step metrics and its latest evaluation,
 * for the live screen and `runs show`. A pure function of its inputs, so the UI and the command line
 * show the same warnings for the same numbers.
 */
import type { Metric as MetricRecord } from '../../shared/contract'
import type { RunConfig } from '../trainer/config'
import { classShares, type EvaluationMetrics } from './names'

export type HealthCode =
  | 'NON_FINITE'
  | 'D_OVERPOWERS_G'
  | 'G_GRADIENT_VANISHING'
  | 'MODE_COLLAPSE'
  | 'MODES_MISSING'
  | 'LOW_SAMPLE_QUALITY'

export type HealthSeverity = 'error' | 'warning' | 'info'

export interface HealthWarning {
  code: HealthCode
  severity: HealthSeverity
  /** Description of the problem, with the values that show it. */
  message: string
  /** Suggested remedy. */
  advice: string
}

/** The thresholds behind the warnings. Per-step rules look at the last `window` rows and need `minRows` of them. */
export const HEALTH_THRESHOLDS = {
  window: 50,
  minRows: 20,
  /** D_OVERPOWERS_G: D gets at least this share of both real and fake samples right at the latest evaluation. */
  dAccuracy: 0.95,
  /** D_OVERPOWERS_G, BCE and minimax losses: the mean D(G(z)) probability over the window is below this. */
  dFakeProbability: 0.05,
  /** G_GRADIENT_VANISHING: the median G gradient norm is below this ... */
  gradNormG: 1e-3,
  /** ... or below this fraction of the median D gradient norm. */
  gradNormRatio: 0.01,
  /**
   * MODE_COLLAPSE: an error when exactly one of several modes or classes is covered, or when the
   * diversity (generated over real mean pairwise distance) is below this ...
   */
  collapsedDiversity: 0.25,
  /** ... and below this a warning. */
  lowDiversity: 0.5,
  /** LOW_SAMPLE_QUALITY: 2-D sets, share of samples within 3 std of a mode. */
  highQualityShare: 0.5,
  /** LOW_SAMPLE_QUALITY: image sets, precision. */
  precision: 0.2,
} as const

const severityOrder: Record<HealthSeverity, number> = { error: 0, warning: 1, info: 2 }

const percent = (value: number): string => `${Math.round(value * 100)}%`

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

function finiteValues(rows: readonly MetricRecord[], key: 'gradNormG' | 'gradNormD' | 'dFake' | 'dReal'): number[] {
  return rows.map((row) => row[key]).filter((value): value is number => value !== null && Number.isFinite(value))
}

/**
 * Returns the warnings for a run, most severe first. `recentMetrics` are the latest per-step rows in
 * step order, of which the last 50 are used. `latestEvaluation` is the `extra` of the latest evaluated row.
 * `loss` lets the per-step D scores be read as probabilities (BCE and minimax only).
 */
export function healthWarnings(
  recentMetrics: readonly MetricRecord[],
  latestEvaluation: EvaluationMetrics | null,
  options: { loss?: RunConfig['loss'] } = {},
): HealthWarning[] {
  const t = HEALTH_THRESHOLDS
  const rows = recentMetrics.slice(-t.window)
  const evaluation = latestEvaluation ?? {}
  const warnings: HealthWarning[] = []
  const add = (code: HealthCode, severity: HealthSeverity, message: string, advice: string): void => {
    warnings.push({ code, severity, message, advice })
  }

  const nonFinite = findNonFinite(rows, evaluation)
  if (nonFinite) {
    add('NON_FINITE', 'error', nonFinite, 'Lower the learning rates, add label smoothing, or fork the run from an earlier checkpoint with changed settings.')
  }

  const { dAccuracyReal: accReal, dAccuracyFake: accFake } = evaluation
  const dFake = finiteValues(rows, 'dFake')
  const probabilities = options.loss === 'bce' || options.loss === 'minimax'
  if (typeof accReal === 'number' && typeof accFake === 'number' && accReal >= t.dAccuracy && accFake >= t.dAccuracy) {
    add('D_OVERPOWERS_G', 'warning', `D tells real from fake almost perfectly: ${percent(accReal)} of real and ${percent(accFake)} of fake samples right`,
      'Lower D’s learning rate or raise G’s, take fewer D steps per G step, or add label smoothing.')
  } else if (probabilities && dFake.length >= t.minRows && mean(dFake) < t.dFakeProbability) {
    add('D_OVERPOWERS_G', 'warning', `D rejects generated samples with confidence: mean D(G(z)) ${mean(dFake).toFixed(3)} over the last ${dFake.length} steps`,
      'Lower D’s learning rate or raise G’s, take fewer D steps per G step, or add label smoothing.')
  }

  const gradG = finiteValues(rows, 'gradNormG')
  const gradD = finiteValues(rows, 'gradNormD')
  if (gradG.length >= t.minRows) {
    const g = median(gradG)
    const d = gradD.length >= t.minRows ? median(gradD) : null
    if (g < t.gradNormG || (d !== null && d > 0 && g < t.gradNormRatio * d)) {
      add('G_GRADIENT_VANISHING', 'warning',
        `G's gradients have almost vanished: median norm ${g.toExponential(2)}${d !== null ? ` against D's ${d.toExponential(2)}` : ''} over the last ${gradG.length} steps`,
        options.loss === 'minimax'
          ? 'The minimax loss saturates while D wins: switch to the non-saturating bce loss, or weaken D.'
          : 'Weaken D (lower its learning rate, fewer D steps), or raise G’s learning rate.')
    }
  }

  collapseWarnings(evaluation, add)
  return warnings.sort((a, b) => severityOrder[a.severity] - severityOrder[b.severity])
}

function mean(values: number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length
}

/**
 * Returns a message for the first non-finite value: NaN or ±Infinity in a recent row or the
 * evaluation, or a missing loss in the last row, because the run database stores NaN as NULL.
 */
function findNonFinite(rows: readonly MetricRecord[], evaluation: EvaluationMetrics): string | null {
  const keys = ['dLoss', 'gLoss', 'gradNormD', 'gradNormG'] as const
  for (const row of rows) {
    for (const key of keys) {
      const value = row[key]
      if (typeof value === 'number' && !Number.isFinite(value)) return `${key} is ${value} at step ${row.step}`
    }
  }
  const last = rows.at(-1)
  if (last && (last.dLoss === null || last.gLoss === null)) {
    return `the ${last.dLoss === null ? 'D' : 'G'} loss at step ${last.step} is missing: it was NaN`
  }
  for (const [key, value] of Object.entries(evaluation)) {
    if (typeof value === 'number' && !Number.isFinite(value)) return `the evaluation's ${key} is ${value}: the generator outputs non-finite values`
  }
  return null
}

type Add = (code: HealthCode, severity: HealthSeverity, message: string, advice: string) => void

function collapseWarnings(evaluation: EvaluationMetrics, add: Add): void {
  const t = HEALTH_THRESHOLDS
  const { diversity, modesCovered, modesTotal, classesCovered, highQualityShare, precision } = evaluation
  const shares = classShares(evaluation)
  const classes = shares?.length ?? 0
  const collapseAdvice = 'Lower the learning rates, train D more per G step, or try a different loss; fork from a checkpoint before the collapse.'

  // One mode left is collapse, but none covered means the generator has not reached any mode yet.
  const fewModes = typeof modesCovered === 'number' && typeof modesTotal === 'number' && modesTotal > 1 && modesCovered === 1
  const fewClasses = typeof classesCovered === 'number' && classes > 1 && classesCovered === 1
  if (fewModes || fewClasses || (typeof diversity === 'number' && diversity < t.collapsedDiversity)) {
    const what = fewModes ? `${modesCovered} of ${modesTotal} modes covered`
      : fewClasses ? `${classesCovered} of ${classes} classes generated`
      : `diversity ${(diversity as number).toFixed(2)} of the real data's`
    add('MODE_COLLAPSE', 'error', `the generator has collapsed: ${what}`, collapseAdvice)
  } else if (typeof diversity === 'number' && diversity < t.lowDiversity) {
    add('MODE_COLLAPSE', 'warning', `samples are less varied than the data: diversity ${diversity.toFixed(2)} of the real data's`, collapseAdvice)
  }

  if (!fewModes && typeof modesCovered === 'number' && typeof modesTotal === 'number' && modesCovered < modesTotal) {
    add('MODES_MISSING', 'warning', `${modesCovered} of ${modesTotal} modes covered`, 'Missing modes often return with a lower G learning rate or more D steps; watch whether the count changes between evaluations.')
  }
  if (!fewClasses && typeof classesCovered === 'number' && classes > 0 && classesCovered < classes) {
    const missing = (shares as number[]).map((share, c) => (share === 0 ? c : -1)).filter((c) => c >= 0)
    add('MODES_MISSING', 'warning', `${classesCovered} of ${classes} classes generated${missing.length ? `; none of class ${missing.join(', ')}` : ''}`,
      'Missing classes often return with a lower G learning rate or more D steps; a conditional model (cgan presets) generates every class by construction.')
  }

  if (typeof highQualityShare === 'number' && highQualityShare < t.highQualityShare) {
    add('LOW_SAMPLE_QUALITY', 'info', `only ${percent(highQualityShare)} of samples lie within 3 standard deviations of a mode`, 'Train longer, or lower the learning rates if this share falls.')
  }
  if (typeof precision === 'number' && precision < t.precision) {
    add('LOW_SAMPLE_QUALITY', 'info', `only ${percent(precision)} of samples fall inside the real feature manifold (precision)`, 'Train longer, or lower the learning rates if precision falls.')
  }
}
