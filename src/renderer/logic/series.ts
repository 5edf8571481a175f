/**
 * Metric rows shaped for chart.js with `parsing: false`: one array of `{ x: step, y }` per metric,
 * sorted by step with no gaps filled, which is what its decimation plugin (LTTB) needs.
 */
import type { Metric } from '../../shared/contract'

export interface Point {
  x: number
  y: number
}

export const metricKeys = ['dLoss', 'gLoss', 'dReal', 'dFake', 'gradNormG', 'gradNormD', 'leakNorm'] as const
export type MetricKey = (typeof metricKeys)[number]

/**
 * Appends the rows' values of `key` to `points`. Null and non-finite values are left out (a NaN
 * would break LTTB's area sums), and so are steps at or before the last stored one: rows that
 * arrive live while the stored history loads overlap with it.
 */
export function appendPoints(points: Point[], rows: readonly Metric[], key: MetricKey): number {
  let last = points.length > 0 ? points[points.length - 1].x : -Infinity
  let added = 0
  for (const row of rows) {
    const value = row[key]
    if (row.step <= last || value === null || !Number.isFinite(value)) continue
    points.push({ x: row.step, y: value })
    last = row.step
    added++
  }
  return added
}

/** Sample-quality measures from the rows' `extra`, charted when a run has evaluated them. */
export const qualityKeys = ['fd', 'precision', 'recall', 'modesCovered', 'highQualityShare', 'jsRealFake'] as const
export type QualityKey = (typeof qualityKeys)[number]

/** All metric series of one run, appended to in place; charts copy them when they redraw. */
export class MetricSeries {
  readonly points: Record<MetricKey, Point[]> = {
    dLoss: [], gLoss: [], dReal: [], dFake: [], gradNormG: [], gradNormD: [], leakNorm: [],
  }
  /** Evaluation results over steps; only evaluated rows contribute, so these are sparse. */
  readonly quality: Record<QualityKey, Point[]> = {
    fd: [], precision: [], recall: [], modesCovered: [], highQualityShare: [], jsRealFake: [],
  }
  /** Step of the newest row taken; -1 before any. */
  lastStep = -1
  /** The newest row taken, for showing the latest values. */
  latest: Metric | null = null

  /** Takes the rows newer than the last taken step; returns how many were new. */
  append(rows: readonly Metric[]): number {
    const fresh = rows.filter((row) => row.step > this.lastStep)
    if (fresh.length === 0) return 0
    fresh.sort((a, b) => a.step - b.step)
    for (const key of metricKeys) appendPoints(this.points[key], fresh, key)
    for (const row of fresh) {
      if (!row.extra) continue
      for (const key of qualityKeys) {
        const value = row.extra[key]
        if (typeof value === 'number' && Number.isFinite(value)) this.quality[key].push({ x: row.step, y: value })
      }
    }
    this.latest = fresh[fresh.length - 1]
    this.lastStep = this.latest.step
    return fresh.length
  }
}

/** Returns the points with x greater than `fromX`, found by binary search (points are sorted by x). */
export function pointsAfter(points: readonly Point[], fromX: number): readonly Point[] {
  let low = 0
  let high = points.length
  while (low < high) {
    const middle = (low + high) >> 1
    if (points[middle].x <= fromX) low = middle + 1
    else high = middle
  }
  return points.slice(low)
}
