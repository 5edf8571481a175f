import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { crc32 } from 'node:zlib'
import { decodeApng } from 'fast-png'
import { beforeAll, describe, expect, it } from 'vitest'
import { exportRun } from '../../src/main/export'
import { parseRunConfig } from '../../src/main/trainer/config'
import { thinSteps } from '../../src/main/export/frames'
import { readGif } from './gif-reader'
import { expectSameBytes, rgbOf, runWithGrids, useSandbox } from './helpers'

const sandbox = useSandbox('animation')
const steps = [0, 10, 20, 30, 40]
let greyRun: number
let colourRun: number

beforeAll(() => {
  // 16 images of 28 pixels in rows of 8: a 242 x 62 grid.
  greyRun = runWithGrids(sandbox.store, steps, 1)
  colourRun = runWithGrids(sandbox.store, [0, 5], 3)
})

function stored(runId: number, step: number): ReturnType<typeof rgbOf> {
  return rgbOf(sandbox.store.sample(runId, 'grid', step)!.png!)
}

/** Bytes of rows [top, top + height) of an RGB image. */
function rows(pixels: Uint8Array, width: number, top: number, height: number): Uint8Array {
  return pixels.subarray(top * width * 3, (top + height) * width * 3)
}

interface Chunk {
  type: string
  data: Uint8Array
  crcValid: boolean
}

/** Splits a PNG into chunks, checking each CRC with zlib's crc32. */
function chunksOf(png: Uint8Array): Chunk[] {
  expect(Array.from(png.subarray(0, 8))).toEqual([137, 80, 78, 71, 13, 10, 26, 10])
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength)
  const chunks: Chunk[] = []
  for (let offset = 8; offset < png.length; ) {
    const length = view.getUint32(offset)
    const type = Buffer.from(png.subarray(offset + 4, offset + 8)).toString('latin1')
    const data = png.subarray(offset + 8, offset + 8 + length)
    const crcValid = crc32(png.subarray(offset + 4, offset + 8 + length)) === view.getUint32(offset + 8 + length)
    chunks.push({ type, data, crcValid })
    offset += 12 + length
  }
  return chunks
}

const u32 = (data: Uint8Array, at: number): number => new DataView(data.buffer, data.byteOffset, data.byteLength).getUint32(at)
const u16 = (data: Uint8Array, at: number): number => new DataView(data.buffer, data.byteOffset, data.byteLength).getUint16(at)

describe('frame thinning', () => {
  it('keeps first and last', () => {
    expect(thinSteps([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 3)).toEqual([0, 5, 10])
    expect(thinSteps([0, 1, 2], 5)).toEqual([0, 1, 2])
    expect(thinSteps([0, 1, 2], 1)).toEqual([2])
    expect(thinSteps(Array.from({ length: 30 }, (_, i) => i * 10), 7)).toEqual([0, 50, 100, 150, 190, 240, 290])
  })

  it('rejects zero frames', () => {
    expect(() => thinSteps([0, 1], 0)).toThrow('max frames must be a positive integer, got 0')
  })
})

describe('gif export', () => {
  it('holds every grid with a caption', async () => {
    const out = join(sandbox.dir, 'run.gif')
    const result = await exportRun(sandbox.store, greyRun, { format: 'gif', out, delayMs: 250 })
    expect(result.source).toBe('stored grids at steps 0, 10, 20, 30, 40')
    const gif = readGif(readFileSync(out))
    const band = 11
    expect([gif.width, gif.height]).toEqual([242, 62 + band])
    expect(gif.loops).toBe(0)
    expect(gif.frames).toHaveLength(5)
    gif.frames.forEach((frame, i) => {
      expect(frame.delay, `frame ${i} delay in hundredths of a second`).toBe(25)
      expect([frame.width, frame.height]).toEqual([242, 62 + band])
      // Grey frames use all 256 grey levels, so the grid comes back exactly below the caption band.
      expectSameBytes(rows(frame.pixels, 242, band, 62), stored(greyRun, steps[i]).pixels, `frame ${i} grid`)
    })
    const caption = rows(gif.frames[0].pixels, 242, 0, band)
    expect(caption.some((value) => value === 255), 'white label pixels').toBe(true)
    expect(caption.every((value) => value === 0 || value === 255), 'black band with white text').toBe(true)
  })

  it('thins to max frames', async () => {
    const out = join(sandbox.dir, 'thin.gif')
    await exportRun(sandbox.store, greyRun, { format: 'gif', out, maxFrames: 3, caption: false, plays: 2 })
    const gif = readGif(readFileSync(out))
    expect(gif.frames).toHaveLength(3)
    expect(gif.loops, 'two plays repeat once').toBe(1)
    expect([gif.width, gif.height]).toEqual([242, 62])
    expectSameBytes(gif.frames[1].pixels, stored(greyRun, 20).pixels, 'middle frame')
    expectSameBytes(gif.frames[2].pixels, stored(greyRun, 40).pixels, 'last frame')
  })

  it('quantizes colour grids', async () => {
    const out = join(sandbox.dir, 'colour.gif')
    await exportRun(sandbox.store, colourRun, { format: 'gif', out, caption: false })
    const gif = readGif(readFileSync(out))
    expect(gif.frames).toHaveLength(2)
    const grid = stored(colourRun, 0).pixels
    const frame = gif.frames[0].pixels
    let error = 0
    for (let i = 0; i < grid.length; i++) error += Math.abs(grid[i] - frame[i])
    // 256 colours for uniform random pixels: the mean error stays well under a tenth of the range.
    expect(error / grid.length).toBeLessThan(25)
  })
})

describe('apng export', () => {
  it('writes valid animation chunks', async () => {
    const out = join(sandbox.dir, 'run.png')
    await exportRun(sandbox.store, greyRun, { format: 'apng', out, delayMs: 120, caption: false })
    const chunks = chunksOf(readFileSync(out))
    for (const chunk of chunks) expect(chunk.crcValid, `CRC of ${chunk.type}`).toBe(true)
    const types = chunks.map((chunk) => chunk.type)
    expect(types[0]).toBe('IHDR')
    expect(types[1]).toBe('acTL')
    expect(types[types.length - 1]).toBe('IEND')
    expect(types.indexOf('IDAT')).toBeLessThan(types.indexOf('fdAT'))

    const header = chunks[0].data
    expect([u32(header, 0), u32(header, 4)]).toEqual([242, 62])
    const control = chunks[1].data
    expect(u32(control, 0), 'acTL frame count').toBe(5)
    expect(u32(control, 4), 'acTL plays, 0 loops').toBe(0)

    const frames = chunks.filter((chunk) => chunk.type === 'fcTL')
    expect(frames).toHaveLength(5)
    for (const frame of frames) {
      expect([u32(frame.data, 4), u32(frame.data, 8)], 'fcTL size').toEqual([242, 62])
      expect([u32(frame.data, 12), u32(frame.data, 16)], 'fcTL offset').toEqual([0, 0])
      expect([u16(frame.data, 20), u16(frame.data, 22)], 'fcTL delay 120/1000 s').toEqual([120, 1000])
    }
    // fcTL and fdAT share one sequence, counting from 0 with no gap.
    const sequence = chunks.filter((chunk) => chunk.type === 'fcTL' || chunk.type === 'fdAT').map((chunk) => u32(chunk.data, 0))
    expect(sequence).toEqual(sequence.map((_, i) => i))
    const text = chunks.filter((chunk) => chunk.type === 'tEXt').map((chunk) => Buffer.from(chunk.data).toString('latin1'))
    expect(text).toContain('frames\u00000,10,20,30,40')
  })

  it('decodes to the stored grids', async () => {
    const out = join(sandbox.dir, 'decoded.png')
    await exportRun(sandbox.store, greyRun, { format: 'apng', out, caption: false })
    const bytes = readFileSync(out)
    const apng = decodeApng(bytes, { checkCrc: true })
    expect(apng.numberOfFrames).toBe(5)
    expect(apng.frames).toHaveLength(5)
    expect(apng.channels).toBe(3)
    apng.frames.forEach((frame, i) => expectSameBytes(Uint8Array.from(frame.data), stored(greyRun, steps[i]).pixels, `frame ${i}`))
    // A viewer without APNG support shows the first frame: the first grid.
    expectSameBytes(rgbOf(bytes).pixels, stored(greyRun, 0).pixels, 'still image')
  })

  it('captions the first frame', async () => {
    const out = join(sandbox.dir, 'captioned.png')
    await exportRun(sandbox.store, greyRun, { format: 'apng', out })
    const still = rgbOf(readFileSync(out))
    expect(still.height).toBe(62 + 11)
    expectSameBytes(rows(still.pixels, 242, 11, 62), stored(greyRun, 0).pixels, 'grid below the caption')
    expect(still.text.source).toBe('stored grids')
    expect(still.text.step).toBe('0 to 40')
  })
})

describe('image exports of point runs', () => {
  it('reject with the alternatives', async () => {
    const config = parseRunConfig({ dataset: 'ring8', model: { preset: 'mlp' } })
    const points = sandbox.store.createRun({ name: 'points', config, seed: 0, dataset: 'ring8', model: 'mlp', totalSteps: 10 }).id
    sandbox.store.addSample({ runId: points, step: 0, kind: 'points', png: null, data: { fake: [[0, 0]] } })
    const attempt = exportRun(sandbox.store, points, { format: 'gif', out: join(sandbox.dir, 'points.gif') })
    await expect(attempt).rejects.toThrow(
      `run ${points} trains on the 2-D point set ring8, so it has no image grids for --format gif; ` +
        'export its metrics (csv, json) or its generator (safetensors, pytorch) instead',
    )
  })
})
