/**
 * Float64 linear algebra for the Fréchet distance, in plain TypeScript: the mean and covariance of
 * feature rows, eigenvalues of symmetric matrices by the cyclic Jacobi method, and the trace of the
 * matrix square root of a product of two covariance matrices. Matrices are row-major Float64Arrays.
 */

/** Rows of features: `values[i * dim + j]` is feature j of row i. */
export interface FeatureMatrix {
  rows: number
  dim: number
  values: Float32Array | Float64Array
}

/** The mean and covariance of a set of feature rows, the Gaussian the Fréchet distance compares. */
export interface GaussianStatistics {
  /** Number of rows the statistics came from. */
  count: number
  /** (D) */
  mean: Float64Array
  /** (D, D) row-major, unbiased (divided by count - 1), as numpy.cov computes it. */
  covariance: Float64Array
}

/** Computes the mean and the unbiased covariance of the rows. */
export function featureStatistics(features: FeatureMatrix): GaussianStatistics {
  const { rows, dim, values } = features
  if (rows < 2) throw new RangeError(`a covariance needs at least 2 rows, got ${rows}`)
  const mean = new Float64Array(dim)
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < dim; j++) mean[j] += values[i * dim + j]
  }
  for (let j = 0; j < dim; j++) mean[j] /= rows

  const covariance = new Float64Array(dim * dim)
  const centred = new Float64Array(dim)
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < dim; j++) centred[j] = values[i * dim + j] - mean[j]
    for (let a = 0; a < dim; a++) {
      const ca = centred[a]
      if (ca === 0) continue
      for (let b = a; b < dim; b++) covariance[a * dim + b] += ca * centred[b]
    }
  }
  for (let a = 0; a < dim; a++) {
    for (let b = a; b < dim; b++) {
      const value = covariance[a * dim + b] / (rows - 1)
      covariance[a * dim + b] = value
      covariance[b * dim + a] = value
    }
  }
  return { count: rows, mean, covariance }
}

/**
 * Diagonalises a symmetric matrix by cyclic Jacobi rotations: returns its eigenvalues and, as the
 * columns of `vectors`, its eigenvectors, so that A = V diag(values) Vᵀ. Each rotation zeroes one
 * off-diagonal pair, and the sweeps stop when the off-diagonal mass is negligible against the
 * diagonal (about 6 to 10 sweeps for a 64 x 64 covariance).
 */
export function symmetricEigen(matrix: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  if (matrix.length !== n * n) throw new RangeError(`expected ${n * n} values for a ${n} x ${n} matrix, got ${matrix.length}`)
  const a = Float64Array.from(matrix)
  const v = new Float64Array(n * n)
  for (let i = 0; i < n; i++) v[i * n + i] = 1

  const maxSweeps = 100
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let offDiagonal = 0
    let diagonal = 0
    for (let p = 0; p < n; p++) {
      diagonal += a[p * n + p] ** 2
      for (let q = p + 1; q < n; q++) offDiagonal += a[p * n + q] ** 2
    }
    if (offDiagonal <= 1e-30 * diagonal || offDiagonal === 0) break

    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q]
        if (apq === 0) continue
        // The rotation angle that zeroes a[p][q]: t = tan(angle) is the smaller root of t² + 2θt - 1 = 0.
        const theta = (a[q * n + q] - a[p * n + p]) / (2 * apq)
        const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1))
        const c = 1 / Math.sqrt(t * t + 1)
        const s = t * c
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p]
          const akq = a[k * n + q]
          a[k * n + p] = c * akp - s * akq
          a[k * n + q] = s * akp + c * akq
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k]
          const aqk = a[q * n + k]
          a[p * n + k] = c * apk - s * aqk
          a[q * n + k] = s * apk + c * aqk
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p]
          const vkq = v[k * n + q]
          v[k * n + p] = c * vkp - s * vkq
          v[k * n + q] = s * vkp + c * vkq
        }
      }
    }
  }
  const values = new Float64Array(n)
  for (let i = 0; i < n; i++) values[i] = a[i * n + i]
  return { values, vectors: v }
}

/** Multiplies two n x n row-major matrices. */
export function matmulSquare(x: Float64Array, y: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n * n)
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      const xik = x[i * n + k]
      if (xik === 0) continue
      for (let j = 0; j < n; j++) out[i * n + j] += xik * y[k * n + j]
    }
  }
  return out
}

/**
 * Returns the symmetric positive semi-definite square root of a covariance matrix,
 * V diag(sqrt(λ)) Vᵀ, with eigenvalues below zero (rounding noise) taken as zero.
 */
export function sqrtPsd(matrix: Float64Array, n: number): Float64Array {
  const { values, vectors } = symmetricEigen(matrix, n)
  const out = new Float64Array(n * n)
  for (let k = 0; k < n; k++) {
    const root = Math.sqrt(Math.max(values[k], 0))
    if (root === 0) continue
    for (let i = 0; i < n; i++) {
      const vik = vectors[i * n + k] * root
      if (vik === 0) continue
      for (let j = 0; j < n; j++) out[i * n + j] += vik * vectors[j * n + k]
    }
  }
  return out
}

/**
 * Computes tr(sqrtm(S1 S2)) for covariance matrices S1 and S2. S1 S2 is not symmetric, but it is
 * similar to the symmetric M = sqrt(S1) S2 sqrt(S1), so both have the same non-negative eigenvalues,
 * and the trace of the square root is the sum of their square roots.
 */
export function traceSqrtProduct(s1: Float64Array, s2: Float64Array, n: number): number {
  const root = sqrtPsd(s1, n)
  const m = matmulSquare(matmulSquare(root, s2, n), root, n)
  // Rounding leaves M slightly asymmetric, and the Jacobi method assumes exact symmetry.
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const mean = (m[i * n + j] + m[j * n + i]) / 2
      m[i * n + j] = mean
      m[j * n + i] = mean
    }
  }
  const { values } = symmetricEigen(m, n)
  let trace = 0
  for (const value of values) trace += Math.sqrt(Math.max(value, 0))
  return trace
}

/**
 * The Fréchet distance between two Gaussians (Dowson and Landau 1982), the quantity FID reports:
 * |μ1 - μ2|² + tr(S1) + tr(S2) - 2 tr(sqrtm(S1 S2)). It is a squared distance, so a value just
 * below zero from rounding is returned as 0.
 */
export function frechetDistance(first: GaussianStatistics, second: GaussianStatistics): number {
  const n = first.mean.length
  if (second.mean.length !== n) {
    throw new RangeError(`the statistics have different feature sizes: ${n} and ${second.mean.length}`)
  }
  let meanTerm = 0
  let traces = 0
  for (let i = 0; i < n; i++) {
    meanTerm += (first.mean[i] - second.mean[i]) ** 2
    traces += first.covariance[i * n + i] + second.covariance[i * n + i]
  }
  const distance = meanTerm + traces - 2 * traceSqrtProduct(first.covariance, second.covariance, n)
  return Math.max(distance, 0)
}
