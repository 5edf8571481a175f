// The shape chart.js's decimation plugin needs: numeric x, sorted by x without repeats, and no
// null or non-finite y (LTTB sums triangle areas, so one NaN spoils a whole bucket).
import { describe, expect, it } from 'vitest'
import type { Metric } from '../../src/shared/contract'
import { StepRate } from '../../src/renderer/logic/rate'
import { MetricSeries, appendPoints, metricKeys, pointsAfter, type Point } from '../../src/renderer/logic/series'

function row(step: number, values: Partial<Metric> = {}): Metric {
  return {
    step, dLoss: 1, gLoss: 2, dReal: 0.6, dFake: 0.4, gradNormG: 3, gradNormD: 4, leakNorm: null,
    lrG: 2e-4, lrD: 2e-4, seconds: 0.1, ...values,
  }
}

/** Checks the decimation plugin's needs; a failure names the first point that breaks them. */
function expectChartReady(points: readonly Point[]): void {
  const badY = points.findIndex((point) => !Number.isFinite(point.y))
  expect(badY, 'index of the first non-finite y').toBe(-1)
  const unsorted = points.findIndex((point, i) => i > 0 && !(point.x > points[i - 1].x))
  expect(unsorted, 'index of the first x not above the one before').toBe(-1)
}

describe('metric series', () => {
  it('skips null and non-finite values', () => {
    const points: Point[] = []
    const rows = [row(1, { dLoss: 0.5 }), row(2, { dLoss: null }), row(3, { dLoss: Number.NaN }), row(4, { dLoss: Infinity }), row(5, { dLoss: 0.4 })]
    expect(appendPoints(points, rows, 'dLoss')).toBe(2)
    expect(points).toEqual([{ x: 1, y: 0.5 }, { x: 5, y: 0.4 }])
  })

  it('drops rows already stored', () => {
    // Live rows that arrive while the stored history loads overlap with it.
    const series = new MetricSeries()
    expect(series.append([row(1), row(2), row(3)])).toBe(3)
    expect(series.append([row(2), row(3), row(4), row(5)])).toBe(2)
    expect(series.points.dLoss.map((p) => p.x)).toEqual([1, 2, 3, 4, 5])
    expect(series.lastStep).toBe(5)
    expect(series.latest?.step).toBe(5)
  })

  it('sorts a batch that arrives out of order', () => {
    const series = new MetricSeries()
    series.append([row(3), row(1), row(2)])
    for (const key of metricKeys) expectChartReady(series.points[key])
    expect(series.points.gLoss.map((p) => p.x)).toEqual([1, 2, 3])
  })

  it('leaves the leak empty outside the joint scheme', () => {
    const series = new MetricSeries()
    series.append([row(1), row(2)])
    expect(series.points.leakNorm).toEqual([])
    series.append([row(3, { leakNorm: 0.25 })])
    expect(series.points.leakNorm).toEqual([{ x: 3, y: 0.25 }])
  })

  it('keeps 100,000 points in the same arrays', () => {
    const series = new MetricSeries()
    const dLoss = series.points.dLoss
    for (let start = 1; start <= 100_000; start += 500) {
      const batch = Array.from({ length: 500 }, (_, i) => row(start + i, { dLoss: Math.sin(start + i), gLoss: (start + i) % 7 === 0 ? null : 1 }))
      series.append(batch)
    }
    // Components hold these arrays by reference, so appending must never replace them.
    expect(series.points.dLoss).toBe(dLoss)
    expect(dLoss.length).toBe(100_000)
    expect(series.points.gLoss.length).toBe(100_000 - Math.floor(100_000 / 7))
    expectChartReady(dLoss)
    expectChartReady(series.points.gLoss)
  })

  it('finds the points after a step', () => {
    const points = [1, 2, 5, 9, 10].map((x) => ({ x, y: x }))
    expect(pointsAfter(points, 4).map((p) => p.x)).toEqual([5, 9, 10])
    expect(pointsAfter(points, 5).map((p) => p.x)).toEqual([9, 10])
    expect(pointsAfter(points, 0)).toHaveLength(5)
    expect(pointsAfter(points, 10)).toHaveLength(0)
    expect(pointsAfter([], 3)).toHaveLength(0)
  })
})

describe('step rate', () => {
  it('measures steps per second', () => {
    const rate = new StepRate()
    expect(rate.perSecond()).toBeNull()
    rate.record(10, 0)
    expect(rate.perSecond()).toBeNull()
    rate.record(30, 2000)
    expect(rate.perSecond()).toBeCloseTo(10, 12)
  })

  it('forgets samples past the window', () => {
    const rate = new StepRate()
    rate.record(0, 0)
    rate.record(5, 5_000) // 1 step/s over the first five seconds
    rate.record(105, 15_000) // then 10 steps/s
    rate.record(155, 20_000)
    expect(rate.perSecond()).toBeCloseTo(10, 12)
  })

  it('ignores repeated steps and resets', () => {
    const rate = new StepRate()
    rate.record(4, 0)
    rate.record(4, 1000)
    expect(rate.perSecond()).toBeNull()
    rate.record(8, 2000)
    expect(rate.perSecond()).toBeCloseTo(2, 12)
    rate.reset()
    expect(rate.perSecond()).toBeNull()
  })
})

describe('quality series', () => {
  it('takes evaluated rows from extra', () => {
    const series = new MetricSeries()
    const row = (step: number, extra?: Record<string, number | null>) => ({
      step, dLoss: 1, gLoss: 1, dReal: null, dFake: null, gradNormG: null, gradNormD: null,
      leakNorm: null, lrG: null, lrD: null, seconds: null, extra,
    })
    series.append([row(1), row(2, { fd: 12.5, precision: 0.4, modesCovered: 6 }), row(3), row(4, { fd: 9, precision: null })])
    expect(series.quality.fd).toEqual([{ x: 2, y: 12.5 }, { x: 4, y: 9 }])
    expect(series.quality.precision).toEqual([{ x: 2, y: 0.4 }])
    expect(series.quality.modesCovered).toEqual([{ x: 2, y: 6 }])
    expect(series.quality.recall).toEqual([])
  })
})

