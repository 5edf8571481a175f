import { describe, expect, it } from 'vitest'
import { Generator } from '../../src/engine/random'
import { kNearestRadii, manifoldCoverage, meanPairwiseDistance, precisionRecall } from '../../src/main/metrics/feature-space'
import type { FeatureMatrix } from '../../src/main/metrics/linalg'

const line = (values: number[]): FeatureMatrix => ({ rows: values.length, dim: 1, values: Float64Array.from(values) })

function gaussianCloud(rows: number, dim: number, shift: number, seed: number): FeatureMatrix {
  const values = new Generator(seed).fillNormal(new Float32Array(rows * dim))
  for (let i = 0; i < values.length; i++) values[i] += shift
  return { rows, dim, values }
}

describe('k-nearest radii', () => {
  it('points on a line', () => {
    const radii = kNearestRadii(line([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]), 3)
    expect(radii[0]).toBe(3)
    expect(radii[5]).toBe(2)
    expect(radii[9]).toBe(3)
  })

  it('identical rows have radius zero', () => {
    expect(Array.from(kNearestRadii(line([4, 4, 4, 4, 4]), 3))).toEqual([0, 0, 0, 0, 0])
  })

  it('rejects too few rows', () => {
    expect(() => kNearestRadii(line([0, 1, 2]), 3)).toThrow(/need more than 3 rows, got 3/)
  })
})

describe('precision and recall', () => {
  it('same set scores one', () => {
    const real = gaussianCloud(300, 8, 0, 1)
    expect(precisionRecall(real, real)).toEqual({ precision: 1, recall: 1 })
  })

  it('one repeated sample has no recall', () => {
    const real = gaussianCloud(300, 8, 0, 2)
    const single = real.values.slice(0, 8)
    const fake: FeatureMatrix = { rows: 300, dim: 8, values: new Float32Array(300 * 8).map((_, i) => single[i % 8]) }
    const { precision, recall } = precisionRecall(real, fake)
    expect(precision).toBe(1)
    expect(recall).toBeLessThan(0.01)
  })

  it('distant sets score zero', () => {
    const { precision, recall } = precisionRecall(gaussianCloud(200, 8, 0, 3), gaussianCloud(200, 8, 50, 4))
    expect(precision).toBe(0)
    expect(recall).toBe(0)
  })

  it('half-covering fakes lose recall only', () => {
    // Fakes drawn from the same cloud but only its x > 0 half: precise, yet missing half the data.
    const real = gaussianCloud(600, 2, 0, 5)
    const pool = gaussianCloud(1200, 2, 0, 6)
    const rightHalf: number[] = []
    for (let i = 0; i < pool.rows && rightHalf.length < 600 * 2; i++) {
      if (pool.values[2 * i] > 0) rightHalf.push(pool.values[2 * i], pool.values[2 * i + 1])
    }
    const fake: FeatureMatrix = { rows: rightHalf.length / 2, dim: 2, values: Float64Array.from(rightHalf) }
    const { precision, recall } = precisionRecall(real, fake)
    expect(precision).toBeGreaterThan(0.9)
    expect(recall).toBeGreaterThan(0.35)
    expect(recall).toBeLessThan(0.7)
  })

  it('coverage counts a boundary point as inside', () => {
    expect(manifoldCoverage(line([2]), line([0]), Float64Array.from([2]))).toBe(1)
    expect(manifoldCoverage(line([2.001]), line([0]), Float64Array.from([2]))).toBe(0)
  })
})

describe('mean pairwise distance', () => {
  it('three points on a line', () => {
    expect(meanPairwiseDistance(line([0, 1, 3]))).toBe(2)
  })

  it('identical rows give zero', () => {
    expect(meanPairwiseDistance(line([7, 7, 7]))).toBe(0)
  })
})
