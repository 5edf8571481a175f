import { beforeAll, describe, expect, it } from 'vitest'
import * as torch from '../../src/engine'
import { loadDataset } from '../../src/main/datasets/load'
import { makeGrid } from '../../src/main/images/grid'
import { gridTiles, meanPairwiseDistance, tileDistance } from '../../src/renderer/logic/collapse'
import {
  checkCollapse,
  checkDOverpowers,
  collapseDistance,
  collapseMinStep,
  overpowerDLoss,
  overpowerWindow,
  slope,
} from '../../src/renderer/logic/health'
import type { Point } from '../../src/renderer/logic/series'
import { startEngine } from '../helpers/engine'

beforeAll(startEngine)

const series = (from: number, to: number, value: (step: number) => number): Point[] =>
  Array.from({ length: to - from + 1 }, (_, i) => ({ x: from + i, y: value(from + i) }))

/** The RGBA pixels a browser canvas returns for a grid, from the RGB grid the backend encodes. */
function toRgba(rgb: Uint8Array): Uint8ClampedArray {
  const rgba = new Uint8ClampedArray((rgb.length / 3) * 4)
  for (let i = 0, j = 0; i < rgb.length; i += 3, j += 4) {
    rgba.set([rgb[i], rgb[i + 1], rgb[i + 2], 255], j)
  }
  return rgba
}

/** Loads the built-in digits at `indices` as (N, 1, 28, 28) values in [-1, 1]. */
async function realDigits(indices: number[]): Promise<Float32Array> {
  const dataset = await loadDataset('digits')
  return torch.scope(() => dataset.batch(indices).x.toArray() as Float32Array)
}

function gridDistance(images: Float32Array, count: number): number | null {
  const grid = makeGrid({ data: images, shape: [count, 1, 28, 28] })
  const tiles = gridTiles(toRgba(grid.pixels), grid.width, grid.height, 28)
  expect(tiles).toHaveLength(count)
  return meanPairwiseDistance(tiles)
}

describe('D overpowers G', () => {
  it('warns when D wins and G loss rises', () => {
    const d = series(1, 300, () => 0.05)
    const g = series(1, 300, (step) => 2 + step * 0.01)
    const warning = checkDOverpowers(d, g)
    expect(warning?.kind).toBe('d-overpowers')
    if (warning?.kind !== 'd-overpowers') return
    expect(warning.dLoss).toBeCloseTo(0.05, 12)
    expect(warning.gRise).toBeCloseTo(0.01 * overpowerWindow, 9)
    expect(warning.fromStep).toBe(300 - overpowerWindow + 1)
    expect(warning.toStep).toBe(300)
  })

  it('stays quiet while G loss falls', () => {
    const d = series(1, 300, () => 0.05)
    const g = series(1, 300, (step) => 5 - step * 0.01)
    expect(checkDOverpowers(d, g)).toBeNull()
  })

  it('stays quiet when D loss is not low', () => {
    const d = series(1, 300, () => overpowerDLoss + 0.01)
    const g = series(1, 300, (step) => 2 + step * 0.01)
    expect(checkDOverpowers(d, g)).toBeNull()
  })

  it('looks at the last 50 steps only', () => {
    // A high D loss long ago must not hide a D that wins now.
    const d = series(1, 300, (step) => (step <= 200 ? 3 : 0.02))
    const g = series(1, 300, (step) => 1 + step * 0.002)
    expect(checkDOverpowers(d, g)?.kind).toBe('d-overpowers')
  })

  it('waits for enough points', () => {
    const d = series(1, 10, () => 0.01)
    const g = series(1, 10, (step) => step)
    expect(checkDOverpowers(d, g)).toBeNull()
    expect(checkDOverpowers([], [])).toBeNull()
  })

  it('fits a least-squares slope', () => {
    expect(slope(series(1, 20, (step) => 3 * step - 1))).toBeCloseTo(3, 12)
    expect(slope(series(1, 20, () => 4))).toBe(0)
    expect(slope([{ x: 5, y: 1 }])).toBe(0)
  })
})

describe('collapse measure', () => {
  it('cuts a grid into its tiles', () => {
    // Eight tiles, each filled with its own grey level, in a grid with torchvision's padding.
    const images = new Float32Array(8 * 28 * 28)
    for (let n = 0; n < 8; n++) images.fill(-1 + n * 0.25, n * 784, (n + 1) * 784)
    const grid = makeGrid({ data: images, shape: [8, 1, 28, 28] }, { nrow: 4 })
    const tiles = gridTiles(toRgba(grid.pixels), grid.width, grid.height, 28)
    expect(tiles).toHaveLength(8)
    for (let n = 0; n < 8; n++) {
      const expected = Math.floor(((-1 + n * 0.25 + 1) / 2) * 255 + 0.5) / 255
      expect(Math.min(...tiles[n]), `tile ${n}`).toBeCloseTo(expected, 6)
      expect(Math.max(...tiles[n]), `tile ${n}`).toBeCloseTo(expected, 6)
    }
    expect(tileDistance(tiles[0], tiles[4])).toBeCloseTo(Math.floor(0.5 * 255 + 0.5) / 255, 6)
  })

  it('different real digits are far apart', async () => {
    const indices = Array.from({ length: 64 }, (_, i) => i * 150)
    const distance = gridDistance(await realDigits(indices), 64)
    expect(distance).not.toBeNull()
    expect(distance!).toBeGreaterThan(collapseDistance * 2)
    expect(checkCollapse(distance, collapseMinStep)).toBeNull()
  })

  it('copies of one digit are close', async () => {
    // One real digit repeated 64 times with uniform noise of ±0.05, as a collapsed generator draws it.
    const digit = await realDigits([1234])
    const images = new Float32Array(64 * 784)
    let seed = 7
    const noise = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31
      return (seed / 2 ** 31 - 0.5) * 0.1
    }
    for (let n = 0; n < 64; n++) {
      for (let i = 0; i < 784; i++) images[n * 784 + i] = Math.max(-1, Math.min(1, digit[i] + noise()))
    }
    const distance = gridDistance(images, 64)
    expect(distance!).toBeLessThan(collapseDistance)
    expect(checkCollapse(distance, collapseMinStep)?.kind).toBe('collapse')
  })

  it('waits out the first steps', () => {
    expect(checkCollapse(0.001, collapseMinStep - 1)).toBeNull()
    expect(checkCollapse(0.001, collapseMinStep)?.kind).toBe('collapse')
    expect(checkCollapse(null, 10_000)).toBeNull()
  })

  it('needs two tiles', () => {
    expect(meanPairwiseDistance([])).toBeNull()
    expect(meanPairwiseDistance([new Float32Array(3)])).toBeNull()
    expect(() => gridTiles(new Uint8ClampedArray(4 * 10 * 10), 10, 10, 28)).toThrow(/no room for 28-pixel tiles/)
  })
})
