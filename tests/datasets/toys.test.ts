import { beforeAll, describe, expect, it } from 'vitest'
import { startEngine } from '../helpers/engine'
import { inspectDataset } from '../../src/main/datasets/inspect'
import { loadDataset } from '../../src/main/datasets/load'
import { TOY_NAMES, TOY_SPECS } from '../../src/main/datasets/toy-specs'
import { ToyDataset } from '../../src/main/datasets/toys'
import { readBatch } from './batch-helpers'

beforeAll(startEngine)

/** Distance from a point to the nearest mode, in units of the mode std. */
function nearestModeDistance(x: number, y: number, modes: Array<[number, number]>, std: number): number {
  return Math.min(...modes.map(([cx, cy]) => Math.hypot(x - cx, y - cy))) / std
}

describe('toy distributions', () => {
  it('ring8 and grid25 modes', () => {
    expect(TOY_SPECS.ring8.centres).toHaveLength(8)
    expect(TOY_SPECS.ring8.centres[2][0]).toBe(0)
    expect(TOY_SPECS.ring8.centres[2][1]).toBeCloseTo(2, 12)
    expect(TOY_SPECS.grid25.centres).toHaveLength(25)
    expect(TOY_SPECS.grid25.centres[0]).toEqual([-4, -4])
    expect(TOY_SPECS.grid25.centres[24]).toEqual([4, 4])
    expect(TOY_SPECS.gaussian.centres).toEqual([[0, 0]])
  })

  it('spiral centres are evenly spaced', () => {
    const centres = TOY_SPECS.spiral.centres
    const gaps = centres.slice(1).map(([x, y], i) => Math.hypot(x - centres[i][0], y - centres[i][1]))
    expect(Math.max(...gaps) / Math.min(...gaps)).toBeLessThan(1.2)
  })

  for (const name of TOY_NAMES) {
    it(`${name} samples lie near its modes`, async () => {
      const dataset = await loadDataset(name, { seed: 1 })
      expect(dataset.kind).toBe('points')
      expect(dataset.length).toBe(100_000)
      expect(dataset.modeStd).toBe(TOY_SPECS[name].std)
      const batch = readBatch(dataset, Array.from({ length: 2000 }, (_, i) => i))
      expect(batch.shape).toEqual([2000, 2])
      expect(batch.y).toBeNull()
      let within = 0
      for (let i = 0; i < 2000; i++) {
        if (nearestModeDistance(batch.x[2 * i], batch.x[2 * i + 1], dataset.modes!, dataset.modeStd!) < 3) within++
      }
      // Of a 2-D Gaussian, 98.9% lies within 3 std of its centre.
      expect(within / 2000).toBeGreaterThan(0.97)
    })
  }

  it('ring8 covers every mode', async () => {
    const dataset = await loadDataset('ring8', { seed: 2 })
    const batch = readBatch(dataset, Array.from({ length: 800 }, (_, i) => i))
    const hits = new Array(8).fill(0)
    for (let i = 0; i < 800; i++) {
      const distances = dataset.modes!.map(([cx, cy]) => Math.hypot(batch.x[2 * i] - cx, batch.x[2 * i + 1] - cy))
      hits[distances.indexOf(Math.min(...distances))]++
    }
    expect(Math.min(...hits)).toBeGreaterThan(60)
  })

  it('same seed gives the same points', async () => {
    const a = readBatch(await loadDataset('moons', { seed: 5 }), [0, 1, 2])
    const b = readBatch(await loadDataset('moons', { seed: 5 }), [0, 1, 2])
    const c = readBatch(await loadDataset('moons', { seed: 6 }), [0, 1, 2])
    expect(b.x).toEqual(a.x)
    expect(c.x).not.toEqual(a.x)
  })

  it('generator state resumes the stream', () => {
    const a = new ToyDataset('grid25', 9)
    readBatch(a, [0, 1])
    const state = a.getState()
    const expected = readBatch(a, [0, 1, 2, 3])
    const b = new ToyDataset('grid25', 0)
    b.setState(state)
    expect(readBatch(b, [0, 1, 2, 3]).x).toEqual(expected.x)
  })

  it('inspect lists modes and std', async () => {
    const summary = await inspectDataset('grid25')
    expect(summary.kind).toBe('points')
    expect(summary.shape).toEqual([2])
    expect(summary.modes?.centres).toHaveLength(25)
    expect(summary.modes?.std).toBe(0.05)
  })
})
