import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { exportRun, ExportError } from '../../src/main/export'
import { interpolate, latentWalk } from '../../src/main/export/latent-walk'
import { expectSameBytes, rgbOf, tileOf, tinyDcgan, trainRun, useSandbox } from './helpers'

const sandbox = useSandbox('samples')
let runId: number
let conditionalRun: number

beforeAll(async () => {
  runId = await trainRun(sandbox, tinyDcgan)
  conditionalRun = await trainRun(sandbox, { ...tinyDcgan, model: { preset: 'cgan-mlp', width: 8, latentDim: 16 } })
})

const norm = (v: Float32Array): number => Math.hypot(...v)

describe('latent interpolation', () => {
  const a = Float32Array.from([1, 0, 0])
  const b = Float32Array.from([0, 2, 0])

  it('linear blends the ends', () => {
    expect(Array.from(interpolate(a, b, 0, 'linear'))).toEqual([1, 0, 0])
    expect(Array.from(interpolate(a, b, 1, 'linear'))).toEqual([0, 2, 0])
    expect(Array.from(interpolate(a, b, 0.5, 'linear'))).toEqual([0.5, 1, 0])
  })

  it('spherical follows the arc', () => {
    const middle = interpolate(a, b, 0.5, 'spherical')
    // Orthogonal ends: weights sin(pi/4) / sin(pi/2) = sqrt(1/2) each.
    expect(middle[0]).toBeCloseTo(Math.SQRT1_2, 6)
    expect(middle[1]).toBeCloseTo(2 * Math.SQRT1_2, 6)
    expect(Array.from(interpolate(a, b, 1, 'spherical'))).toEqual([0, 2, 0])
    const unitB = Float32Array.from([0, 1, 0])
    expect(norm(interpolate(a, unitB, 0.3, 'spherical')), 'unit ends keep unit norm').toBeCloseTo(1, 6)
    expect(norm(interpolate(a, unitB, 0.5, 'linear')), 'a straight line shrinks it').toBeCloseTo(Math.SQRT1_2, 6)
  })

  it('spherical falls back for parallel ends', () => {
    expect(Array.from(interpolate(a, Float32Array.from([3, 0, 0]), 0.5, 'spherical'))).toEqual([2, 0, 0])
  })

  it('walk includes both ends', () => {
    const walk = latentWalk(a, b, 5, 'linear')
    expect(walk).toHaveLength(5)
    expect(Array.from(walk[0])).toEqual([1, 0, 0])
    expect(Array.from(walk[2])).toEqual([0.5, 1, 0])
    expect(Array.from(walk[4])).toEqual([0, 2, 0])
  })
})

describe('samples export', () => {
  it('draws a seeded grid', async () => {
    const out = join(sandbox.dir, 'samples.png')
    const result = await exportRun(sandbox.store, runId, { format: 'samples', out, count: 10, seed: 4 })
    expect(result.step).toBe(3)
    expect(result.source).toBe('checkpoint step 3')
    const grid = rgbOf(readFileSync(out))
    // Ten images in rows of 8: two rows.
    expect([grid.width, grid.height]).toEqual([8 * 30 + 2, 2 * 30 + 2])
    expect(grid.text.source).toBe('checkpoint step 3')
    expect(grid.text.noise).toBe('new, seed 4')

    const again = join(sandbox.dir, 'again.png')
    await exportRun(sandbox.store, runId, { format: 'samples', out: again, count: 10, seed: 4 })
    expectSameBytes(rgbOf(readFileSync(again)).pixels, grid.pixels, 'same seed, same images')
    const other = join(sandbox.dir, 'other.png')
    await exportRun(sandbox.store, runId, { format: 'samples', out: other, count: 10, seed: 5 })
    expect(Buffer.compare(rgbOf(readFileSync(other)).pixels, grid.pixels), 'another seed gives other images').not.toBe(0)
  })

  it('writes single images to a folder', async () => {
    const out = join(sandbox.dir, 'singles')
    await exportRun(sandbox.store, runId, { format: 'samples', out, count: 10, seed: 4, step: 2 })
    const names = readdirSync(out).sort()
    expect(names).toHaveLength(10)
    const grid = join(sandbox.dir, 'step2.png')
    await exportRun(sandbox.store, runId, { format: 'samples', out: grid, count: 10, seed: 4, step: 2 })
    const tiles = rgbOf(readFileSync(grid))
    for (const index of [0, 9]) {
      const single = rgbOf(readFileSync(join(out, names[index])))
      expect(single.text.step).toBe('2')
      expectSameBytes(single.pixels, tileOf(tiles, index, 8), `image ${index} equals its grid tile`)
    }
  })

  it('gives each class a column', async () => {
    const out = join(sandbox.dir, 'classes.png')
    await exportRun(sandbox.store, conditionalRun, { format: 'samples', out, count: 20 })
    expect([rgbOf(readFileSync(out)).width, rgbOf(readFileSync(out)).height]).toEqual([10 * 30 + 2, 2 * 30 + 2])
    const folder = join(sandbox.dir, 'class7')
    await exportRun(sandbox.store, conditionalRun, { format: 'samples', out: folder, count: 3, label: 7 })
    expect(readdirSync(folder).map((name) => rgbOf(readFileSync(join(folder, name))).text.label)).toEqual(['7', '7', '7'])
  })

  it('rejects bad labels and counts', async () => {
    const out = join(sandbox.dir, 'bad.png')
    await expect(exportRun(sandbox.store, conditionalRun, { format: 'samples', out, label: 10 })).rejects.toThrow('has classes 0 to 9, got label 10')
    await expect(exportRun(sandbox.store, runId, { format: 'samples', out, label: 1 })).rejects.toThrow('unconditional model, so it takes no class label')
    await expect(exportRun(sandbox.store, runId, { format: 'samples', out, count: 0 })).rejects.toThrow(ExportError)
    await expect(exportRun(sandbox.store, runId, { format: 'samples', out, count: 1 })).rejects.toThrow(/at least 2 samples/)
  })
})

describe('png-folder of a conditional run', () => {
  it('names each image with its class', async () => {
    const out = join(sandbox.dir, 'conditional-tiles')
    await exportRun(sandbox.store, conditionalRun, { format: 'png-folder', out })
    const names = readdirSync(out).sort()
    // Six samples per class, one row per class.
    expect(names).toHaveLength(60)
    expect(names[5]).toBe('sample-005-class-0.png')
    expect(names[6]).toBe('sample-006-class-1.png')
    expect(rgbOf(readFileSync(join(out, names[59]))).text.label).toBe('9')
  })
})

describe('walk export', () => {
  it('starts and ends at the seeds', async () => {
    // Running averages make each image independent of the batch, so the walk's ends equal single samples.
    const out = join(sandbox.dir, 'walk.png')
    const result = await exportRun(sandbox.store, runId, { format: 'walk', out, seed: 3, seedTo: 8, frames: 5, norm: 'running' })
    expect(result.source).toBe('checkpoint step 3')
    const walk = rgbOf(readFileSync(out))
    expect([walk.width, walk.height], 'one row of frames').toEqual([5 * 30 + 2, 32])
    expect(walk.text.noise).toBe('spherical walk from seed 3 to seed 8, 5 frames')
    for (const [seed, frame] of [[3, 0], [8, 4]]) {
      const single = join(sandbox.dir, `seed${seed}.png`)
      await exportRun(sandbox.store, runId, { format: 'samples', out: single, count: 1, seed, norm: 'running' })
      expectSameBytes(tileOf(walk, frame, 5), rgbOf(readFileSync(single)).pixels, `frame ${frame} is seed ${seed}'s sample`)
    }
    const middle = tileOf(walk, 2, 5)
    expect(Buffer.compare(middle, tileOf(walk, 0, 5)), 'the middle differs from the start').not.toBe(0)
  })

  it('writes frames to a folder', async () => {
    const out = join(sandbox.dir, 'walk-frames')
    await exportRun(sandbox.store, conditionalRun, { format: 'walk', out, frames: 4, interpolation: 'linear', label: 2 })
    const names = readdirSync(out).sort()
    expect(names).toEqual(['sample-000.png', 'sample-001.png', 'sample-002.png', 'sample-003.png'])
    expect(rgbOf(readFileSync(join(out, names[0]))).text.label).toBe('2')
  })

  it('rejects one frame', async () => {
    await expect(exportRun(sandbox.store, runId, { format: 'walk', out: join(sandbox.dir, 'w.png'), frames: 1 })).rejects.toThrow(
      'a latent walk needs an integer from 2 to 1024 frames, got 1',
    )
  })
})
