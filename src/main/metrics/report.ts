/**
 * Plain-text lines for an evaluation and for health warnings, as `runs show` prints them.
 */
import type { HealthWarning } from './health'
import { classShares, metricLabel } from './names'
import type { StoredEvaluation } from './stored'

const number = (value: number | null | undefined, digits = 3): string =>
  value === null || value === undefined ? '-' : Number.isInteger(value) ? String(value) : value.toFixed(digits)

/** Returns the lines describing the latest evaluation, or one line saying there is none. */
export function evaluationLines(evaluation: StoredEvaluation | null, datasetName: string): string[] {
  if (evaluation === null) return ['metrics    none yet (evaluations run every --metrics-every steps)']
  const m = evaluation.metrics
  const pairs: Array<[string, number | null | undefined, number?]> = [
    ['fd', m.fd, 2], ['fdFloor', m.fdFloor, 2], ['precision', m.precision], ['recall', m.recall],
    ['classesCovered', m.classesCovered], ['labelAccuracy', m.labelAccuracy], ['classifierAccuracy', m.classifierAccuracy],
    ['modesCovered', m.modesCovered], ['modesTotal', m.modesTotal], ['highQualityShare', m.highQualityShare],
    ['klRealFake', m.klRealFake], ['jsRealFake', m.jsRealFake], ['diversity', m.diversity],
    ['dAccuracyReal', m.dAccuracyReal], ['dAccuracyFake', m.dAccuracyFake],
  ]
  const present = pairs.filter(([, value]) => value !== undefined && value !== null)
  const lines = [`metrics    at step ${evaluation.step}, ${number(m.evaluationSamples)} samples`]
  for (const [key, value, digits] of present) lines.push(`           ${metricLabel(key, datasetName)}: ${number(value, digits)}`)
  const shares = classShares(m)
  if (shares) lines.push(`           class histogram: ${shares.map((share, c) => `${c}:${Math.round(share * 100)}%`).join(' ')}`)
  return lines
}

/** Returns one line per warning, with its advice, or a line saying there are none. */
export function healthLines(warnings: readonly HealthWarning[]): string[] {
  if (warnings.length === 0) return ['health     no warnings']
  return warnings.map((w) => `health     ${w.severity} ${w.code}: ${w.message}. ${w.advice}`)
}
