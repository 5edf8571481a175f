/**
 * Distances in a feature space: k-nearest-neighbour radii, improved precision and recall
 * (Kynkäänniemi et al. 2019, "Improved Precision and Recall Metric for Assessing Generative
 * Models") and the mean pairwise distance used as a diversity score.
 */
import type { FeatureMatrix } from './linalg'

/** Neighbour count of the radii: 3, the value Kynkäänniemi et al. recommend. */
export const DEFAULT_NEIGHBOURS = 3

function squaredDistance(a: FeatureMatrix, i: number, b: FeatureMatrix, j: number): number {
  const dim = a.dim
  const x = a.values
  const y = b.values
  let sum = 0
  for (let d = 0; d < dim; d++) {
    const diff = x[i * dim + d] - y[j * dim + d]
    sum += diff * diff
  }
  return sum
}

/**
 * Returns, for each row, the distance to its k-th nearest other row: the radius of the ball around
 * that row in the k-NN estimate of the set's manifold. Identical rows are at distance 0.
 */
export function kNearestRadii(features: FeatureMatrix, k = DEFAULT_NEIGHBOURS): Float64Array {
  const n = features.rows
  if (n <= k) throw new RangeError(`k-nearest-neighbour radii with k = ${k} need more than ${k} rows, got ${n}`)
  const radii = new Float64Array(n)
  // The k smallest squared distances so far, in ascending order.
  const nearest = new Float64Array(k)
  for (let i = 0; i < n; i++) {
    nearest.fill(Infinity)
    for (let j = 0; j < n; j++) {
      if (j === i) continue
      const d = squaredDistance(features, i, features, j)
      if (d >= nearest[k - 1]) continue
      let slot = k - 1
      while (slot > 0 && nearest[slot - 1] > d) {
        nearest[slot] = nearest[slot - 1]
        slot--
      }
      nearest[slot] = d
    }
    radii[i] = Math.sqrt(nearest[k - 1])
  }
  return radii
}

/**
 * Returns the share of query rows that lie inside the manifold estimate of `reference`: within the
 * radius of at least one reference row (a point on a ball's boundary counts as inside).
 */
export function manifoldCoverage(queries: FeatureMatrix, reference: FeatureMatrix, radii: Float64Array): number {
  if (queries.dim !== reference.dim) {
    throw new RangeError(`feature sizes differ: queries have ${queries.dim}, the reference ${reference.dim}`)
  }
  if (radii.length !== reference.rows) {
    throw new RangeError(`expected one radius per reference row (${reference.rows}), got ${radii.length}`)
  }
  const squaredRadii = radii.map((r) => r * r)
  let inside = 0
  for (let i = 0; i < queries.rows; i++) {
    for (let j = 0; j < reference.rows; j++) {
      if (squaredDistance(queries, i, reference, j) <= squaredRadii[j]) {
        inside++
        break
      }
    }
  }
  return queries.rows === 0 ? 0 : inside / queries.rows
}

export interface PrecisionRecall {
  /** Share of generated rows inside the real manifold: how many samples look real. */
  precision: number
  /** Share of real rows inside the generated manifold: how much of the real variety is produced. */
  recall: number
}

/**
 * Computes improved precision and recall between real and generated features. `realRadii` may be
 * passed when the real rows are fixed, so that their radii are computed once.
 */
export function precisionRecall(
  real: FeatureMatrix,
  fake: FeatureMatrix,
  options: { k?: number; realRadii?: Float64Array } = {},
): PrecisionRecall {
  const k = options.k ?? DEFAULT_NEIGHBOURS
  const realRadii = options.realRadii ?? kNearestRadii(real, k)
  return {
    precision: manifoldCoverage(fake, real, realRadii),
    recall: manifoldCoverage(real, fake, kNearestRadii(fake, k)),
  }
}

/** Returns the mean Euclidean distance over all pairs of distinct rows. */
export function meanPairwiseDistance(features: FeatureMatrix): number {
  const n = features.rows
  if (n < 2) throw new RangeError(`a pairwise distance needs at least 2 rows, got ${n}`)
  let sum = 0
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) sum += Math.sqrt(squaredDistance(features, i, features, j))
  }
  return sum / ((n * (n - 1)) / 2)
}

/** Returns the first `rows` rows of a feature matrix, sharing its storage. */
export function firstRows(features: FeatureMatrix, rows: number): FeatureMatrix {
  const count = Math.min(rows, features.rows)
  return { rows: count, dim: features.dim, values: features.values.subarray(0, count * features.dim) }
}
