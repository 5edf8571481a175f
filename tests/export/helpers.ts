import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect } from 'vitest'
import { decode } from 'fast-png'
import { gridPng } from '../../src/main/images/grid'
import { RunStore } from '../../src/main/store/run-store'
import { parseRunConfig, type RunConfigInput } from '../../src/main/trainer/config'
import { startRun } from '../../src/main/trainer/host'

export interface Sandbox {
  dir: string
  store: RunStore
}

/**
 * Creates a temporary app data folder with its own run database and points GANWB_DATA_DIR at it.
 * The folder is removed after the file's tests.
 */
export function useSandbox(prefix: string): Sandbox {
  const sandbox = {} as Sandbox
  beforeAll(() => {
    sandbox.dir = mkdtempSync(join(tmpdir(), `ganwb-export-${prefix}-`))
    process.env.GANWB_DATA_DIR = sandbox.dir
    sandbox.store = new RunStore(join(sandbox.dir, 'runs.sqlite'))
  })
  afterAll(() => {
    sandbox.store.close()
    rmSync(sandbox.dir, { recursive: true, force: true })
  })
  return sandbox
}

/** The tiny DCGAN the export tests train: grids at steps 0 to 3, checkpoints at 2 and 3. */
export const tinyDcgan = {
  dataset: 'digits',
  model: { preset: 'dcgan', width: 8, latentDim: 16 },
  batchSize: 16,
  steps: 3,
  sampleEvery: 1,
  checkpointEvery: 2,
  seed: 5,
} as const

/** Trains a run to completion in a worker, as the app does, and returns its id. */
export async function trainRun(sandbox: Sandbox, config: RunConfigInput): Promise<number> {
  const session = startRun(sandbox.store, config, { dataDir: sandbox.dir })
  const result = await session.finished
  if (result.status !== 'completed') throw new Error(`the tiny training run ended ${result.status}: ${result.error}`)
  return session.run.id
}

/** Creates a run with synthetic grids (random pixels) at the given steps, for exports that only read grids. */
export function runWithGrids(store: RunStore, steps: readonly number[], channels = 1, count = 16): number {
  const config = parseRunConfig({ dataset: 'digits', imageSize: 28, seed: 11, steps: 1000 })
  const run = store.createRun({ name: 'synthetic grids', config, seed: 11, dataset: 'digits', model: 'dcgan', totalSteps: 1000 })
  let state = 12345
  const random = (): number => {
    state = (state * 1103515245 + 12345) % 2 ** 31
    return state / 2 ** 31
  }
  for (const step of steps) {
    const data = Float32Array.from({ length: count * channels * 28 * 28 }, () => random() * 2 - 1)
    const png = Buffer.from(gridPng({ data, shape: [count, channels, 28, 28] }, { nrow: 8 }))
    store.addSample({ runId: run.id, step, kind: 'grid', png })
  }
  return run.id
}

/** Decodes a PNG to RGB bytes (grey is repeated into three channels) with its text chunks. */
export function rgbOf(png: Uint8Array): { width: number; height: number; pixels: Uint8Array; text: Record<string, string>; channels: number } {
  const image = decode(png)
  const pixels = new Uint8Array(image.width * image.height * 3)
  for (let i = 0; i < image.width * image.height; i++) {
    for (let c = 0; c < 3; c++) pixels[i * 3 + c] = image.data[i * image.channels + (image.channels < 3 ? 0 : c)]
  }
  return { width: image.width, height: image.height, pixels, text: image.text, channels: image.channels }
}

/** Copies out the RGB bytes of the `size`-pixel tile at `index` of a make_grid layout with 2-pixel padding. */
export function tileOf(grid: { width: number; pixels: Uint8Array }, index: number, nrow: number, size = 28): Uint8Array {
  const top = Math.floor(index / nrow) * (size + 2) + 2
  const left = (index % nrow) * (size + 2) + 2
  const out = new Uint8Array(size * size * 3)
  for (let y = 0; y < size; y++) {
    const from = ((top + y) * grid.width + left) * 3
    out.set(grid.pixels.subarray(from, from + size * 3), y * size * 3)
  }
  return out
}

/** Checks two byte arrays for equality, reporting the first differing index (toEqual is slow on large arrays). */
export function expectSameBytes(actual: Uint8Array, expected: Uint8Array, label: string): void {
  expect(actual.length, `${label}: length`).toBe(expected.length)
  const first = actual.findIndex((value, i) => value !== expected[i])
  expect(first, first < 0 ? label : `${label}: byte ${first} is ${actual[first]}, expected ${expected[first]}`).toBe(-1)
}
