import { describe, expect, it } from 'vitest'
import { Generator } from '../../src/engine/random'
import { TOY_SPECS } from '../../src/main/datasets/toy-specs'
import {
  COVERED_MIN_SHARE, GRID_BINS, gridFor, histogram2d, jsDivergence, klDivergence, modeCoverage,
} from '../../src/main/metrics/points'

const ring8 = TOY_SPECS.ring8

/** A toy generator: `count` points from the mixture restricted to the given mode indices. */
function pointsAround(modes: number[], count: number, std: number, seed: number): Float32Array {
  const generator = new Generator(seed)
  const values = generator.fillNormal(new Float32Array(count * 2), 0, std)
  for (let i = 0; i < count; i++) {
    const [cx, cy] = ring8.centres[modes[generator.nextInt(modes.length)]]
    values[2 * i] += cx
    values[2 * i + 1] += cy
  }
  return values
}

describe('mode coverage', () => {
  it('generator on 4 of 8 modes reports 4', () => {
    const points = pointsAround([0, 2, 4, 6], 2500, ring8.std, 1)
    const coverage = modeCoverage(points, ring8.centres, ring8.std)
    expect(coverage.modesCovered).toBe(4)
    expect(coverage.modesTotal).toBe(8)
    // Within 3 std of the centre in 2-D: P(chi² with 2 degrees of freedom <= 9) = 1 - exp(-4.5).
    expect(coverage.highQualityShare).toBeCloseTo(1 - Math.exp(-4.5), 2)
    expect(coverage.perMode.filter((n) => n > 0)).toHaveLength(4)
  })

  it('every mode covered by the real mixture', () => {
    const coverage = modeCoverage(pointsAround([0, 1, 2, 3, 4, 5, 6, 7], 2500, ring8.std, 2), ring8.centres, ring8.std)
    expect(coverage.modesCovered).toBe(8)
  })

  it('wide samples are not high quality', () => {
    // Ten standard deviations of spread: almost no point lands within 3 of a centre.
    const coverage = modeCoverage(pointsAround([0, 1, 2, 3, 4, 5, 6, 7], 2500, 10 * ring8.std, 3), ring8.centres, ring8.std)
    expect(coverage.highQualityShare).toBeLessThan(0.15)
  })

  it('too few points leave a mode uncovered', () => {
    const count = 1000
    const onMode0 = pointsAround([0], count, ring8.std, 4)
    // Below 1% of the points near mode 1: present, but not covered.
    const stray = Math.floor(COVERED_MIN_SHARE * count) - 1
    for (let i = 0; i < stray; i++) {
      onMode0[2 * i] = ring8.centres[1][0]
      onMode0[2 * i + 1] = ring8.centres[1][1]
    }
    const coverage = modeCoverage(onMode0, ring8.centres, ring8.std)
    expect(coverage.perMode[1]).toBe(stray)
    expect(coverage.modesCovered).toBe(1)
  })

  it('NaN points are never high quality', () => {
    const coverage = modeCoverage(Float32Array.from([NaN, NaN, 2, 0]), ring8.centres, ring8.std)
    expect(coverage.highQualityShare).toBe(0.5)
  })
})

describe('grid divergences', () => {
  const grid = gridFor(ring8.centres, ring8.std)

  it('grid bounds follow the modes', () => {
    expect(grid.bins).toBe(GRID_BINS)
    expect(grid.halfWidth).toBeCloseTo(1.1 * (2 + 3 * 0.02), 12)
  })

  it('histogram sums to one with an outside bin', () => {
    const histogram = histogram2d(Float32Array.from([0, 0, 100, 100, NaN, 0, 1, 1]), grid)
    expect(histogram).toHaveLength(GRID_BINS * GRID_BINS + 1)
    expect(histogram.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12)
    expect(histogram[GRID_BINS * GRID_BINS]).toBe(0.5)
  })

  it('identical densities give zero', () => {
    const histogram = histogram2d(pointsAround([0, 1, 2, 3, 4, 5, 6, 7], 5000, ring8.std, 5), grid)
    expect(jsDivergence(histogram, histogram)).toBe(0)
    expect(klDivergence(histogram, histogram)).toBeCloseTo(0, 12)
  })

  it('disjoint densities give log 2', () => {
    const left = histogram2d(pointsAround([4], 2000, ring8.std, 6), grid)
    const right = histogram2d(pointsAround([0], 2000, ring8.std, 7), grid)
    expect(jsDivergence(left, right)).toBeCloseTo(Math.log(2), 12)
    // KL is finite thanks to the per-bin epsilon, and large.
    const kl = klDivergence(left, right)
    expect(Number.isFinite(kl)).toBe(true)
    expect(kl).toBeGreaterThan(5)
  })

  it('missing modes raise KL of real to fake', () => {
    const real = histogram2d(pointsAround([0, 1, 2, 3, 4, 5, 6, 7], 10_000, ring8.std, 8), grid)
    const full = histogram2d(pointsAround([0, 1, 2, 3, 4, 5, 6, 7], 2500, ring8.std, 9), grid)
    const half = histogram2d(pointsAround([0, 2, 4, 6], 2500, ring8.std, 10), grid)
    expect(klDivergence(real, half)).toBeGreaterThan(klDivergence(real, full) + 1)
    expect(jsDivergence(real, half)).toBeGreaterThan(jsDivergence(real, full))
  })
})
