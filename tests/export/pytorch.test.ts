import { execFile, spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { beforeAll, describe, expect, it } from 'vitest'
import { exportRun } from '../../src/main/export'
import { decodeSafetensors } from '../../src/main/serialization/safetensors'
import { loadStateDictFrom } from '../../src/main/trainer/checkpoint'
import { parseRunConfig } from '../../src/main/trainer/config'
import { buildModels, type DataShape } from '../../src/main/trainer/models'
import { startEngine, torch } from '../helpers/engine'
import { rgbOf, tinyDcgan, trainRun, useSandbox } from './helpers'

const python = '/usr/bin/python3'
const probe = existsSync(python) ? spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' }) : null
const torchMissing = probe === null ? `${python} does not exist` : probe.status !== 0 ? `${python} cannot import torch: ${probe.stderr.trim().split('\n').pop()}` : null
if (torchMissing) console.warn(`skipping the PyTorch script tests: ${torchMissing}`)

const run = promisify(execFile)
const sandbox = useSandbox('pytorch')
let dcganRun: number

/** Runs the exported script with the given arguments and returns its standard output. */
async function generate(folder: string, args: string[]): Promise<string> {
  const { stdout } = await run(python, [join(folder, 'generate.py'), ...args], { cwd: folder, timeout: 120_000 })
  return stdout
}

/**
 * The engine's outputs for the run's fixed noise, computed here from the trainer's own pieces:
 * buildModels, the checkpoint loader, and randn from a generator seeded with seed + 7919.
 */
function engineFixedNoiseOutput(runId: number, data: DataShape, count: number, labels: number[] | null, norm: 'batch' | 'running' = 'batch'): Float32Array {
  const config = parseRunConfig(sandbox.store.getRun(runId).config)
  const { G } = buildModels(config, data)
  loadStateDictFrom(G, sandbox.store.checkpoint(runId)!.generator, 'test checkpoint')
  G.train(norm === 'batch')
  return torch.scope(() =>
    torch.noGrad(() => {
      const z = torch.randn([count, config.model.latentDim], { generator: new torch.Generator(config.seed + 7919) })
      const y = labels ? torch.tensor(labels, { dtype: 'int32' }) : null
      return G.forward(z, y).toArray() as Float32Array
    }),
  )
}

function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length, 'number of values').toBe(b.length)
  let max = 0
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]))
  return max
}

describe.skipIf(torchMissing !== null)('pytorch export', () => {
  beforeAll(startEngine)

  it('script repeats the DCGAN grid', async () => {
    const runId = await trainRun(sandbox, tinyDcgan)
    dcganRun = runId
    const folder = join(sandbox.dir, 'dcgan')
    await exportRun(sandbox.store, runId, { format: 'pytorch', out: folder })
    const stdout = await generate(folder, ['--out', 'grid.png', '--save-tensor', 'samples.safetensors'])
    expect(stdout).toContain('64 images from run')

    const { samples } = decodeSafetensors(readFileSync(join(folder, 'samples.safetensors'))).tensors
    expect(samples.shape).toEqual([64, 1, 28, 28])
    const expected = engineFixedNoiseOutput(runId, { kind: 'image', imageShape: [1, 28, 28], numClasses: null }, 64, null)
    expect(maxAbsDifference(samples.data as Float32Array, expected)).toBeLessThan(1e-3)

    const grid = rgbOf(readFileSync(join(folder, 'grid.png')))
    const stored = rgbOf(sandbox.store.sample(runId, 'grid')!.png!)
    expect([grid.width, grid.height]).toEqual([stored.width, stored.height])
    // Values within 1e-3 can still round to neighbouring bytes at a boundary.
    expect(maxAbsDifference(grid.pixels, stored.pixels)).toBeLessThanOrEqual(1)
    expect(grid.text.run).toBe(`run ${runId}, step 3`)
  })

  it('script draws new noise', async () => {
    const folder = join(sandbox.dir, 'dcgan')
    await generate(folder, ['--noise', 'new', '--count', '5', '--seed', '2', '--out', 'new.png', '--no-torchvision'])
    const grid = rgbOf(readFileSync(join(folder, 'new.png')))
    // Five 28-pixel images in one row of make_grid: 5 * 30 + 2 by 30 + 2.
    expect([grid.width, grid.height]).toEqual([152, 32])
  })

  it('script normalises with running averages', async () => {
    const folder = join(sandbox.dir, 'dcgan')
    await generate(folder, ['--norm', 'running', '--out', 'running.png', '--save-tensor', 'running.safetensors'])
    const { samples } = decodeSafetensors(readFileSync(join(folder, 'running.safetensors'))).tensors
    const data: DataShape = { kind: 'image', imageShape: [1, 28, 28], numClasses: null }
    const expected = engineFixedNoiseOutput(dcganRun, data, 64, null, 'running')
    expect(maxAbsDifference(samples.data as Float32Array, expected)).toBeLessThan(1e-3)
    const batchStatistics = engineFixedNoiseOutput(dcganRun, data, 64, null, 'batch')
    expect(maxAbsDifference(samples.data as Float32Array, batchStatistics), 'the two modes differ').toBeGreaterThan(1e-2)
  })

  it('script repeats a conditional MLP', async () => {
    const runId = await trainRun(sandbox, { ...tinyDcgan, model: { preset: 'cgan-mlp', width: 8, latentDim: 16 } })
    const folder = join(sandbox.dir, 'cgan-mlp')
    await exportRun(sandbox.store, runId, { format: 'pytorch', out: folder })
    await generate(folder, ['--out', 'grid.png', '--save-tensor', 'samples.safetensors'])
    const { samples } = decodeSafetensors(readFileSync(join(folder, 'samples.safetensors'))).tensors
    // Six per class, one row per class.
    const labels = Array.from({ length: 60 }, (_, i) => Math.floor(i / 6))
    const expected = engineFixedNoiseOutput(runId, { kind: 'image', imageShape: [1, 28, 28], numClasses: 10 }, 60, labels)
    expect(samples.shape).toEqual([60, 1, 28, 28])
    expect(maxAbsDifference(samples.data as Float32Array, expected)).toBeLessThan(1e-3)
    const grid = rgbOf(readFileSync(join(folder, 'grid.png')))
    expect([grid.width, grid.height]).toEqual([6 * 30 + 2, 10 * 30 + 2])
  })

  it('script repeats 2-D points', async () => {
    const runId = await trainRun(sandbox, { dataset: 'ring8', model: { preset: 'mlp', width: 16, latentDim: 4 }, batchSize: 32, steps: 3, seed: 9 })
    const folder = join(sandbox.dir, 'points')
    await exportRun(sandbox.store, runId, { format: 'pytorch', out: folder })
    await generate(folder, [])
    const lines = readFileSync(join(folder, 'samples.csv'), 'utf8').trim().split('\n')
    expect(lines[0]).toBe('x,y')
    const points = lines.slice(1).flatMap((line) => line.split(',').map(Number))
    // The stored point sample at the last step comes from the same fixed noise.
    const stored = sandbox.store.sample(runId, 'points') as { data: { fake: number[][] } }
    expect(points).toHaveLength(512 * 2)
    expect(maxAbsDifference(points, stored.data.fake.flat())).toBeLessThan(1e-3)
  })
})
