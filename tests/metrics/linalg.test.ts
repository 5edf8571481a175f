import { describe, expect, it } from 'vitest'
import { Generator } from '../../src/engine/random'
import {
  featureStatistics, frechetDistance, matmulSquare, sqrtPsd, symmetricEigen, traceSqrtProduct, type GaussianStatistics,
} from '../../src/main/metrics/linalg'

/** Returns a random symmetric positive definite n x n matrix, A Aᵀ + n I. */
function randomSpd(n: number, generator: Generator): Float64Array {
  const a = Float64Array.from(generator.fillNormal(new Float32Array(n * n)))
  const out = new Float64Array(n * n)
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0
      for (let k = 0; k < n; k++) sum += a[i * n + k] * a[j * n + k]
      out[i * n + j] = sum + (i === j ? n : 0)
    }
  }
  return out
}

/** Draws `rows` samples of N(mean, covariance) through the Cholesky factor of the covariance. */
function gaussianSamples(mean: number[], covariance: Float64Array, rows: number, generator: Generator): Float64Array {
  const n = mean.length
  const l = new Float64Array(n * n)
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = covariance[i * n + j]
      for (let k = 0; k < j; k++) sum -= l[i * n + k] * l[j * n + k]
      l[i * n + j] = i === j ? Math.sqrt(sum) : sum / l[j * n + j]
    }
  }
  const z = generator.fillNormal(new Float32Array(rows * n))
  const out = new Float64Array(rows * n)
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < n; i++) {
      let value = mean[i]
      for (let k = 0; k <= i; k++) value += l[i * n + k] * z[r * n + k]
      out[r * n + i] = value
    }
  }
  return out
}

describe('feature statistics', () => {
  it('mean and unbiased covariance by hand', () => {
    const stats = featureStatistics({ rows: 3, dim: 2, values: Float64Array.from([1, 2, 3, 4, 5, 9]) })
    expect(Array.from(stats.mean)).toEqual([3, 5])
    expect(Array.from(stats.covariance)).toEqual([4, 7, 7, 13])
    expect(stats.count).toBe(3)
  })

  it('rejects a single row', () => {
    expect(() => featureStatistics({ rows: 1, dim: 2, values: new Float64Array(2) })).toThrow(/at least 2 rows, got 1/)
  })
})

describe('symmetric eigen', () => {
  it('tridiagonal matrix eigenvalues', () => {
    const { values } = symmetricEigen(Float64Array.from([2, 1, 0, 1, 2, 1, 0, 1, 2]), 3)
    const sorted = Array.from(values).sort((a, b) => a - b)
    expect(sorted[0]).toBeCloseTo(2 - Math.SQRT2, 12)
    expect(sorted[1]).toBeCloseTo(2, 12)
    expect(sorted[2]).toBeCloseTo(2 + Math.SQRT2, 12)
  })

  it('reconstructs a 64 x 64 matrix', () => {
    const n = 64
    const a = randomSpd(n, new Generator(3))
    const { values, vectors } = symmetricEigen(a, n)
    let worst = 0
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let sum = 0
        for (let k = 0; k < n; k++) sum += vectors[i * n + k] * values[k] * vectors[j * n + k]
        worst = Math.max(worst, Math.abs(sum - a[i * n + j]))
      }
    }
    expect(worst).toBeLessThan(1e-9)
  })

  it('square root squares back', () => {
    const n = 16
    const a = randomSpd(n, new Generator(4))
    const root = sqrtPsd(a, n)
    const square = matmulSquare(root, root, n)
    for (let i = 0; i < n * n; i++) expect(square[i]).toBeCloseTo(a[i], 9)
  })
})

describe('Fréchet distance', () => {
  it('identical statistics give zero', () => {
    const generator = new Generator(5)
    const values = generator.fillNormal(new Float32Array(500 * 64))
    const stats = featureStatistics({ rows: 500, dim: 64, values })
    expect(frechetDistance(stats, stats)).toBeLessThan(1e-8)
  })

  it('trace of sqrtm matches the 2 x 2 closed form', () => {
    // For 2 x 2 matrices, tr sqrt(M) = sqrt(tr M + 2 sqrt(det M)), and det(S1 S2) = det S1 det S2.
    const s1 = Float64Array.from([2, 0.8, 0.8, 1])
    const s2 = Float64Array.from([1.5, -0.6, -0.6, 3])
    const product = matmulSquare(s1, s2, 2)
    const det = (m: Float64Array): number => m[0] * m[3] - m[1] * m[2]
    const expected = Math.sqrt(product[0] + product[3] + 2 * Math.sqrt(det(s1) * det(s2)))
    expect(traceSqrtProduct(s1, s2, 2)).toBeCloseTo(expected, 12)

    const first: GaussianStatistics = { count: 0, mean: Float64Array.from([1, -1]), covariance: s1 }
    const second: GaussianStatistics = { count: 0, mean: Float64Array.from([0, 1]), covariance: s2 }
    expect(frechetDistance(first, second)).toBeCloseTo(1 + 4 + 2 + 1 + 1.5 + 3 - 2 * expected, 12)
  })

  it('diagonal covariances match the closed form', () => {
    // Commuting covariances: |μ1 - μ2|² + Σ (√a_i - √b_i)².
    const n = 64
    const a = Array.from({ length: n }, (_, i) => 0.5 + i / 10)
    const b = Array.from({ length: n }, (_, i) => 2 + Math.sin(i))
    const diagonal = (d: number[]): Float64Array => {
      const m = new Float64Array(n * n)
      d.forEach((value, i) => (m[i * n + i] = value))
      return m
    }
    const first = { count: 0, mean: new Float64Array(n).fill(0.5), covariance: diagonal(a) }
    const second = { count: 0, mean: new Float64Array(n), covariance: diagonal(b) }
    const expected = n * 0.25 + a.reduce((sum, ai, i) => sum + (Math.sqrt(ai) - Math.sqrt(b[i])) ** 2, 0)
    expect(frechetDistance(first, second)).toBeCloseTo(expected, 9)
  })

  it('samples approach the closed form', () => {
    const n = 4
    const generator = new Generator(6)
    const s1 = randomSpd(n, generator)
    const s2 = randomSpd(n, generator)
    const m1 = [0, 1, 2, 3]
    const m2 = [1, 1, 0, 3]
    const exact = frechetDistance(
      { count: 0, mean: Float64Array.from(m1), covariance: s1 },
      { count: 0, mean: Float64Array.from(m2), covariance: s2 },
    )
    const rows = 40_000
    const first = featureStatistics({ rows, dim: n, values: gaussianSamples(m1, s1, rows, generator) })
    const second = featureStatistics({ rows, dim: n, values: gaussianSamples(m2, s2, rows, generator) })
    const estimate = frechetDistance(first, second)
    expect(Math.abs(estimate - exact) / exact).toBeLessThan(0.05)
  })

  it('rejects different feature sizes', () => {
    const a = featureStatistics({ rows: 2, dim: 2, values: Float64Array.from([0, 1, 2, 3]) })
    const b = featureStatistics({ rows: 2, dim: 1, values: Float64Array.from([0, 1]) })
    expect(() => frechetDistance(a, b)).toThrow(/different feature sizes: 2 and 1/)
  })
})
