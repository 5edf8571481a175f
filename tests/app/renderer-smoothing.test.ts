import { describe, expect, it } from 'vitest'
import { DebiasedEma, SmoothedSeries, smoothPoints } from '../../src/renderer/logic/smoothing'

const points = (values: number[]) => values.map((y, i) => ({ x: i + 1, y }))

describe('debiased smoothing', () => {
  it('matches hand-computed values', () => {
    // weight 0.5 on [1, 2, 3]: the biased averages are 0.5, 1.25, 2.125, divided by 1 - 0.5^t.
    const smoothed = smoothPoints(points([1, 2, 3]), 0.5).map((p) => p.y)
    expect(smoothed[0]).toBeCloseTo(1, 12)
    expect(smoothed[1]).toBeCloseTo(1.25 / 0.75, 12)
    expect(smoothed[2]).toBeCloseTo(2.125 / 0.875, 12)
  })

  it('starts at the first value', () => {
    for (const weight of [0.1, 0.6, 0.9, 0.99]) {
      expect(new DebiasedEma(weight).push(3.7)).toBeCloseTo(3.7, 12)
    }
  })

  it('keeps a constant series constant', () => {
    // Without debiasing the first points would read 0.01 * 2, 0.0199 * 2, ...
    const smoothed = smoothPoints(points(Array.from({ length: 200 }, () => 2)), 0.99)
    for (const point of smoothed) expect(point.y).toBeCloseTo(2, 10)
  })

  it('weight 0 keeps the raw values', () => {
    const raw = [0.3, -1, 5, 2.5]
    expect(smoothPoints(points(raw), 0).map((p) => p.y)).toEqual(raw)
  })

  it('lags a step change', () => {
    const smoothed = smoothPoints(points([0, 0, 0, 0, 1, 1, 1, 1]), 0.6).map((p) => p.y)
    expect(smoothed[4]).toBeGreaterThan(0)
    expect(smoothed[4]).toBeLessThan(1)
    expect(smoothed[7]).toBeGreaterThan(smoothed[4])
  })

  it('extends in batches as the full pass does', () => {
    const raw = points(Array.from({ length: 50 }, (_, i) => Math.sin(i) + i / 10))
    const series = new SmoothedSeries(0.8)
    const grown: typeof raw = []
    for (let i = 0; i < raw.length; i += 7) {
      grown.push(...raw.slice(i, i + 7))
      series.extend(grown)
    }
    expect(series.points).toEqual(smoothPoints(raw, 0.8))
    expect(series.points.map((p) => p.x)).toEqual(raw.map((p) => p.x))
  })

  it('rejects weights outside [0, 1)', () => {
    expect(() => new DebiasedEma(1)).toThrow(/\[0, 1\), got 1/)
    expect(() => new DebiasedEma(-0.1)).toThrow(RangeError)
    expect(() => new DebiasedEma(Number.NaN)).toThrow(RangeError)
  })
})
