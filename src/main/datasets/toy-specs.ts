/**
 * Two-dimensional toy distributions for watching mode collapse. Every set is a mixture of isotropic
 * Gaussians with equal weights and one standard deviation, so its true modes are known exactly and a
 * mode-coverage metric can count them.
 */
import type { DatasetSummary } from './types'

export const TOY_NAMES = ['ring8', 'grid25', 'spiral', 'moons', 'gaussian'] as const
export type ToyName = (typeof TOY_NAMES)[number]

export interface ToySpec {
  name: ToyName
  description: string
  centres: Array<[number, number]>
  std: number
}

/** Nominal epoch length of a toy set; the data is unlimited, this only gives the sampler a size. */
export const TOY_LENGTH = 100_000

/** Rounds away floating-point dust such as cos(π/2) = 6e-17, so printed centres read 0 and not -0.00. */
function clean(value: number): number {
  return Math.abs(value) < 1e-12 ? 0 : value
}

function ring(count: number, radius: number): Array<[number, number]> {
  return Array.from({ length: count }, (_, k) => {
    const angle = (2 * Math.PI * k) / count
    return [clean(radius * Math.cos(angle)), clean(radius * Math.sin(angle))] as [number, number]
  })
}

function grid(side: number, spacing: number): Array<[number, number]> {
  const offset = ((side - 1) * spacing) / 2
  const centres: Array<[number, number]> = []
  for (let i = 0; i < side; i++) {
    for (let j = 0; j < side; j++) centres.push([i * spacing - offset, j * spacing - offset])
  }
  return centres
}

/**
 * Places `count` centres at equal arc length along the Archimedean spiral r = θ / π for θ in
 * [π/2, 4π] (about 1.75 turns, radius 0.5 to 4), measured on a fine polyline.
 */
function spiral(count: number): Array<[number, number]> {
  const steps = 20_000
  const start = Math.PI / 2
  const end = 4 * Math.PI
  const points: Array<[number, number]> = []
  const arc: number[] = [0]
  for (let i = 0; i <= steps; i++) {
    const theta = start + ((end - start) * i) / steps
    const radius = theta / Math.PI
    points.push([radius * Math.cos(theta), radius * Math.sin(theta)])
    if (i > 0) arc.push(arc[i - 1] + Math.hypot(points[i][0] - points[i - 1][0], points[i][1] - points[i - 1][1]))
  }
  const total = arc[steps]
  const centres: Array<[number, number]> = []
  let cursor = 0
  for (let k = 0; k < count; k++) {
    const target = (total * k) / (count - 1)
    while (cursor < steps && arc[cursor] < target) cursor++
    centres.push(points[cursor])
  }
  return centres
}

/**
 * Two interleaving half circles as in scikit-learn's `make_moons` (outer (cos t, sin t), inner
 * (1 - cos t, 0.5 - sin t)), centred at the origin and scaled by 1.5, with `perMoon` centres each.
 */
function moons(perMoon: number): Array<[number, number]> {
  const centres: Array<[number, number]> = []
  const scale = 1.5
  for (let k = 0; k < perMoon; k++) {
    const t = (Math.PI * k) / (perMoon - 1)
    centres.push([scale * (Math.cos(t) - 0.5), scale * (Math.sin(t) - 0.25)])
  }
  for (let k = 0; k < perMoon; k++) {
    const t = (Math.PI * k) / (perMoon - 1)
    centres.push([scale * (0.5 - Math.cos(t)), scale * (0.25 - Math.sin(t))])
  }
  return centres
}

/** The specs, built once; ring8 and grid25 follow the mixtures common in GAN mode-collapse studies. */
export const TOY_SPECS: Record<ToyName, ToySpec> = {
  ring8: { name: 'ring8', description: '8 Gaussians on a circle of radius 2, std 0.02', centres: ring(8, 2), std: 0.02 },
  grid25: { name: 'grid25', description: '5x5 grid of Gaussians spaced 2 apart, std 0.05', centres: grid(5, 2), std: 0.05 },
  spiral: { name: 'spiral', description: '50 Gaussians along an Archimedean spiral, std 0.1', centres: spiral(50), std: 0.1 },
  moons: { name: 'moons', description: 'two interleaving half circles of 16 Gaussians each, std 0.1', centres: moons(16), std: 0.1 },
  gaussian: { name: 'gaussian', description: 'one standard normal Gaussian at the origin', centres: [[0, 0]], std: 1 },
}

export function isToyName(name: string): name is ToyName {
  return (TOY_NAMES as readonly string[]).includes(name)
}

export function toySummary(name: ToyName, ref: string = name): DatasetSummary {
  const spec = TOY_SPECS[name]
  return {
    name,
    ref,
    origin: 'built-in',
    format: 'toy',
    kind: 'points',
    split: null,
    count: TOY_LENGTH,
    shape: [2],
    storedShape: null,
    channels: null,
    classes: null,
    path: null,
    files: [],
    checksum: null,
    knownAs: null,
    skipped: [],
    warnings: [],
    modes: { centres: spec.centres.map(([x, y]) => [x, y]), std: spec.std },
  }
}
