/**
 * Training health rules, each with its threshold stated here. They read the chart series and the
 * sample grid and return warnings for the Live screen; the text lives in the catalogues.
 */
import { pointsAfter, type Point } from './series'

/** Steps looked back over when judging whether D overpowers G. */
export const overpowerWindow = 50
/** A mean D loss over the window below this means D separates real from fake almost perfectly. */
export const overpowerDLoss = 0.1
/** Minimum number of points in the window before the rule judges at all. */
export const overpowerMinPoints = 20

/**
 * Grid tiles closer than this (mean absolute pixel difference, pixels scaled to [0, 1]) count as
 * nearly identical. Measured on the built-in digits (tests/app/renderer-health.test.ts): 64
 * different real digits are 0.16 apart on average, 64 copies of one digit with ±0.05 noise 0.009.
 */
export const collapseDistance = 0.05
/**
 * A generator's first outputs are nearly identical by construction (small initial weights), so the
 * collapse rule waits this many steps before it judges.
 */
export const collapseMinStep = 200

export type HealthWarning =
  | { kind: 'd-overpowers'; dLoss: number; gRise: number; fromStep: number; toStep: number }
  | { kind: 'collapse'; distance: number; step: number }
  | { kind: 'event'; eventKind: string; step: number; message: string }

/** Least-squares slope of y over x; 0 for fewer than two distinct x values. */
export function slope(points: readonly Point[]): number {
  const n = points.length
  if (n < 2) return 0
  let sumX = 0
  let sumY = 0
  for (const p of points) {
    sumX += p.x
    sumY += p.y
  }
  const meanX = sumX / n
  const meanY = sumY / n
  let covariance = 0
  let variance = 0
  for (const p of points) {
    covariance += (p.x - meanX) * (p.y - meanY)
    variance += (p.x - meanX) ** 2
  }
  return variance === 0 ? 0 : covariance / variance
}

const mean = (points: readonly Point[]): number => points.reduce((sum, p) => sum + p.y, 0) / points.length

/**
 * D overpowers G when, over the last `overpowerWindow` steps, D's mean loss is below
 * `overpowerDLoss` while G's loss rises (its least-squares line goes up). Returns null otherwise.
 */
export function checkDOverpowers(dLoss: readonly Point[], gLoss: readonly Point[]): HealthWarning | null {
  const lastStep = Math.max(dLoss.at(-1)?.x ?? -1, gLoss.at(-1)?.x ?? -1)
  if (lastStep < 0) return null
  const fromStep = lastStep - overpowerWindow
  const d = pointsAfter(dLoss, fromStep)
  const g = pointsAfter(gLoss, fromStep)
  if (d.length < overpowerMinPoints || g.length < overpowerMinPoints) return null
  const dMean = mean(d)
  const gSlope = slope(g)
  if (dMean >= overpowerDLoss || gSlope <= 0) return null
  return { kind: 'd-overpowers', dLoss: dMean, gRise: gSlope * overpowerWindow, fromStep: fromStep + 1, toStep: lastStep }
}

/** Returns a collapse warning when the grid's tiles are nearly identical past the warm-up steps. */
export function checkCollapse(distance: number | null, step: number): HealthWarning | null {
  if (distance === null || step < collapseMinStep || distance >= collapseDistance) return null
  return { kind: 'collapse', distance, step }
}

/** Run events that need a person's attention: training stopped on NaN or an engine error, or paused. */
export const warningEventKinds = new Set(['non-finite', 'engine-error'])
