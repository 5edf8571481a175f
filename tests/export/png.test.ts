import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { exportRun, ExportError } from '../../src/main/export'
import { expectSameBytes, rgbOf, tileOf, tinyDcgan, trainRun, useSandbox } from './helpers'

const sandbox = useSandbox('png')
let runId: number

beforeAll(async () => {
  runId = await trainRun(sandbox, tinyDcgan)
})

/** Decodes the stored grid at a step. */
function storedGrid(step: number): ReturnType<typeof rgbOf> {
  const sample = sandbox.store.sample(runId, 'grid', step)
  expect(sample?.step).toBe(step)
  return rgbOf(sample!.png!)
}

describe('png-grid export', () => {
  it('writes the latest stored grid with text', async () => {
    const out = join(sandbox.dir, 'latest.png')
    const result = await exportRun(sandbox.store, runId, { out })
    expect(result.format).toBe('png-grid')
    expect(result.step).toBe(3)
    const png = rgbOf(readFileSync(out))
    const stored = storedGrid(3)
    expect([png.width, png.height]).toEqual([242, 242])
    expectSameBytes(png.pixels, stored.pixels, 'grid pixels')
    expect(png.text.run).toBe(String(runId))
    expect(png.text.step).toBe('3')
    expect(png.text.seed).toBe('5')
    expect(png.text.source).toBe('stored grid')
    expect(JSON.parse(png.text.settings)).toEqual(sandbox.store.getRun(runId).config)
    expect(png.text['learning rates']).toBe('G 0.0002, D 0.0002')
  })

  it('writes the grid at an exact step', async () => {
    const out = join(sandbox.dir, 'step1.png')
    const result = await exportRun(sandbox.store, runId, { out, step: 1 })
    expect(result.step).toBe(1)
    expectSameBytes(rgbOf(readFileSync(out)).pixels, storedGrid(1).pixels, 'grid at step 1')
    expect(Buffer.compare(storedGrid(1).pixels, storedGrid(3).pixels), 'the grids of steps 1 and 3 differ').not.toBe(0)
  })

  it('rejects a step without a grid', async () => {
    const attempt = exportRun(sandbox.store, runId, { out: join(sandbox.dir, 'none.png'), step: 7 })
    await expect(attempt).rejects.toThrow(ExportError)
    await expect(attempt).rejects.toThrow(`run ${runId} has no stored grid at step 7; grids exist at steps: 0, 1, 2, 3`)
  })

  it('escapes names outside Latin-1', async () => {
    sandbox.store.rename(runId, 'digits 数字')
    try {
      const out = join(sandbox.dir, 'named.png')
      await exportRun(sandbox.store, runId, { out })
      expect(rgbOf(readFileSync(out)).text.name).toBe('digits \\u6570\\u5b57')
    } finally {
      sandbox.store.rename(runId, 'tiny')
    }
  })
})

describe('png-folder export', () => {
  it('cuts the stored grid into its tiles', async () => {
    const out = join(sandbox.dir, 'tiles')
    const result = await exportRun(sandbox.store, runId, { format: 'png-folder', out, step: 2 })
    expect(result.source).toBe('stored grid')
    const names = readdirSync(out).sort()
    expect(names).toHaveLength(64)
    expect(names[0]).toBe('sample-000.png')
    const grid = storedGrid(2)
    for (const index of [0, 9, 63]) {
      const image = rgbOf(readFileSync(join(out, names[index])))
      expect(image.channels, 'digits are grey').toBe(1)
      expect([image.width, image.height]).toEqual([28, 28])
      expectSameBytes(image.pixels, tileOf(grid, index, 8), `tile ${index}`)
      expect(image.text.source).toBe('stored grid')
      expect(image.text.index).toBe(String(index))
      expect(image.text.step).toBe('2')
    }
  })

  it('regenerates the same tiles from the checkpoint', async () => {
    const out = join(sandbox.dir, 'regenerated')
    const result = await exportRun(sandbox.store, runId, { format: 'png-folder', out, step: 3, source: 'checkpoint' })
    expect(result.source).toBe('checkpoint step 3')
    const names = readdirSync(out).sort()
    expect(names).toHaveLength(64)
    const grid = storedGrid(3)
    for (let index = 0; index < 64; index++) {
      const image = rgbOf(readFileSync(join(out, names[index])))
      expectSameBytes(image.pixels, tileOf(grid, index, 8), `image ${index} regenerated from the fixed noise`)
    }
    expect(rgbOf(readFileSync(join(out, names[0]))).text.source).toBe('checkpoint step 3')
  })

  it('falls back to the earlier checkpoint', async () => {
    // No grid at step 5 exists; the latest checkpoint at or before it is step 3's.
    const out = join(sandbox.dir, 'fallback')
    const result = await exportRun(sandbox.store, runId, { format: 'png-folder', out, step: 5 })
    expect(result.step).toBe(3)
    expect(result.source).toBe('checkpoint step 3')
  })

  it('rejects a step before any checkpoint', async () => {
    const attempt = exportRun(sandbox.store, runId, { format: 'png-folder', out: join(sandbox.dir, 'early'), step: 1, source: 'checkpoint' })
    await expect(attempt).rejects.toThrow(`run ${runId} has no checkpoint at or before step 1; checkpoints exist at steps: 2, 3`)
  })
})
