/**
 * Sample-quality metrics for the 2-D toy sets, whose true modes are known: modes covered and the
 * share of high-quality samples, as the unrolled-GAN (Metz et al. 2017) and VEEGAN (Srivastava et
 * al. 2017) papers report them for their Gaussian mixtures, and the KL and JS divergences between
 * histograms of real and generated points on one grid.
 *
 * Note [Mode coverage rule]
 * A generated point is high-quality when it lies within 3 standard deviations of its nearest mode
 * centre. A mode is covered when at least 1% of all generated points are high-quality points
 * nearest to it (25 of 2,500 points), so a handful of stray points near a mode does not count as
 * capturing it.
 */

/** Standard deviations from a centre within which a point is high-quality. */
export const HIGH_QUALITY_STDS = 3
/** Share of all generated points a mode needs among its high-quality points to count as covered. */
export const COVERED_MIN_SHARE = 0.01

export interface ModeCoverage {
  modesCovered: number
  modesTotal: number
  /** Share of generated points within 3 standard deviations of their nearest centre. */
  highQualityShare: number
  /** High-quality points nearest to each mode, in the order of the centres. */
  perMode: number[]
}

/** Counts covered modes and high-quality points among `points`, (N * 2) values x0, y0, x1, y1, ... */
export function modeCoverage(
  points: ArrayLike<number>,
  centres: ReadonlyArray<readonly [number, number]>,
  std: number,
): ModeCoverage {
  if (points.length % 2 !== 0) throw new RangeError(`expected x, y pairs, got ${points.length} values`)
  const count = points.length / 2
  const perMode = new Array<number>(centres.length).fill(0)
  const limit = (HIGH_QUALITY_STDS * std) ** 2
  let highQuality = 0
  for (let i = 0; i < count; i++) {
    const x = points[2 * i]
    const y = points[2 * i + 1]
    let best = Infinity
    let nearest = -1
    for (let m = 0; m < centres.length; m++) {
      const d = (x - centres[m][0]) ** 2 + (y - centres[m][1]) ** 2
      if (d < best) {
        best = d
        nearest = m
      }
    }
    // A NaN point is nearest to no mode and is never high-quality.
    if (nearest >= 0 && best <= limit) {
      perMode[nearest]++
      highQuality++
    }
  }
  const needed = COVERED_MIN_SHARE * count
  return {
    modesCovered: count === 0 ? 0 : perMode.filter((n) => n > 0 && n >= needed).length,
    modesTotal: centres.length,
    highQualityShare: count === 0 ? 0 : highQuality / count,
    perMode,
  }
}

/** A square grid of equal bins over [-halfWidth, halfWidth]² with one extra bin for points outside. */
export interface DensityGrid {
  halfWidth: number
  /** Bins per side. */
  bins: number
}

/** Bins per side of the density grid. */
export const GRID_BINS = 64

/**
 * The grid for a toy set: half-width 1.1 x (largest centre coordinate + 3 std), 64 x 64 bins. For
 * ring8 that is about 2.27 with bins 0.071 wide (3.5 std), and for the standard Gaussian 3.3 and 0.10.
 */
export function gridFor(centres: ReadonlyArray<readonly [number, number]>, std: number): DensityGrid {
  const extent = Math.max(0, ...centres.flat().map(Math.abs))
  return { halfWidth: 1.1 * (extent + HIGH_QUALITY_STDS * std), bins: GRID_BINS }
}

/**
 * Returns the histogram of points on the grid as probabilities: bins² values row by row, then the
 * share of points outside the grid (or not finite) as the last value.
 */
export function histogram2d(points: ArrayLike<number>, grid: DensityGrid): Float64Array {
  const { halfWidth, bins } = grid
  const counts = new Float64Array(bins * bins + 1)
  const count = points.length / 2
  const scale = bins / (2 * halfWidth)
  for (let i = 0; i < count; i++) {
    const col = Math.floor((points[2 * i] + halfWidth) * scale)
    const row = Math.floor((points[2 * i + 1] + halfWidth) * scale)
    // The comparisons are false for NaN, so such points land in the outside bin.
    const inside = col >= 0 && col < bins && row >= 0 && row < bins
    counts[inside ? row * bins + col : bins * bins]++
  }
  if (count > 0) for (let b = 0; b < counts.length; b++) counts[b] /= count
  return counts
}

/**
 * Probability added to every bin before KL divergence, then renormalised, so that a bin with real
 * mass and no generated mass costs a large but finite amount (log(p / 1e-5) per unit of p).
 */
export const KL_EPSILON = 1e-5

/** KL(p ‖ q) in nats between two histograms, each smoothed by `epsilon` per bin. */
export function klDivergence(p: ArrayLike<number>, q: ArrayLike<number>, epsilon = KL_EPSILON): number {
  if (p.length !== q.length) throw new RangeError(`histograms have ${p.length} and ${q.length} bins`)
  const pTotal = 1 + epsilon * p.length
  const qTotal = 1 + epsilon * q.length
  let sum = 0
  for (let b = 0; b < p.length; b++) {
    const pb = (p[b] + epsilon) / pTotal
    const qb = (q[b] + epsilon) / qTotal
    sum += pb * Math.log(pb / qb)
  }
  return sum
}

/**
 * Jensen-Shannon divergence in nats, ½ KL(p ‖ m) + ½ KL(q ‖ m) with m = (p + q) / 2. It needs no
 * smoothing because m > 0 wherever p or q is. It is 0 for equal histograms and log 2 for disjoint ones.
 */
export function jsDivergence(p: ArrayLike<number>, q: ArrayLike<number>): number {
  if (p.length !== q.length) throw new RangeError(`histograms have ${p.length} and ${q.length} bins`)
  let sum = 0
  for (let b = 0; b < p.length; b++) {
    const m = (p[b] + q[b]) / 2
    if (p[b] > 0) sum += 0.5 * p[b] * Math.log(p[b] / m)
    if (q[b] > 0) sum += 0.5 * q[b] * Math.log(q[b] / m)
  }
  return sum
}
