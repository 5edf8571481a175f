import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { exportRun, ExportError } from '../../src/main/export'
import { decodeSafetensors } from '../../src/main/serialization/safetensors'
import { loadStateDictFrom } from '../../src/main/trainer/checkpoint'
import { parseRunConfig } from '../../src/main/trainer/config'
import { buildModels } from '../../src/main/trainer/models'
import { startEngine, torch } from '../helpers/engine'
import { tinyDcgan, trainRun, useSandbox } from './helpers'

const sandbox = useSandbox('weights')
const conditional = { ...tinyDcgan, model: { ...tinyDcgan.model, preset: 'cgan-dcgan' } } as const
let runId: number

beforeAll(async () => {
  await startEngine()
  runId = await trainRun(sandbox, conditional)
})

/** Loads the engine's G at a checkpoint with the trainer's own code and returns its state dict as plain values. */
function engineStateDict(step: number): Record<string, { shape: number[]; values: number[] }> {
  const config = parseRunConfig(sandbox.store.getRun(runId).config)
  const { G } = buildModels(config, { kind: 'image', imageShape: [1, 28, 28], numClasses: 10 })
  loadStateDictFrom(G, sandbox.store.checkpoint(runId, { step })!.generator, 'test checkpoint')
  const out: Record<string, { shape: number[]; values: number[] }> = {}
  for (const [name, tensor] of Object.entries(G.stateDict())) out[name] = { shape: tensor.shape, values: Array.from(tensor.toArray()) }
  return out
}

describe('safetensors export', () => {
  it('holds the engine state dict', async () => {
    const out = join(sandbox.dir, 'G.safetensors')
    const result = await exportRun(sandbox.store, runId, { format: 'safetensors', out })
    expect(result.files).toEqual([out, join(sandbox.dir, 'G.json')])
    expect(result.step).toBe(3)
    const { tensors, metadata } = decodeSafetensors(readFileSync(out))
    expect(metadata).toEqual({ format: 'pt', run: String(runId), step: '3' })
    const expected = engineStateDict(3)
    expect(Object.keys(tensors), 'keys in state_dict order').toEqual(Object.keys(expected))
    expect(Object.keys(tensors)).toContain('labelEmbedding.weight')
    for (const [name, array] of Object.entries(tensors)) {
      expect(array.shape, `${name} shape`).toEqual(expected[name].shape)
      if (name.endsWith('num_batches_tracked')) {
        expect(array.dtype, `${name} is int64 as in PyTorch`).toBe('I64')
        expect(Array.from(array.data as BigInt64Array, Number), name).toEqual(expected[name].values)
      } else {
        expect(array.dtype, name).toBe('F32')
        expect(Array.from(array.data as Float32Array), name).toEqual(expected[name].values)
      }
    }
  })

  it('describes the run beside the weights', async () => {
    const out = join(sandbox.dir, 'described.safetensors')
    await exportRun(sandbox.store, runId, { format: 'safetensors', out, step: 2 })
    const description = JSON.parse(readFileSync(join(sandbox.dir, 'described.json'), 'utf8'))
    expect(description.run).toMatchObject({ id: runId, step: 2, seed: 5, dataset: 'digits' })
    expect(description.config).toEqual(sandbox.store.getRun(runId).config)
    expect(description.architecture).toMatchObject({ preset: 'cgan-dcgan', latentDim: 16, numClasses: 10, outputShape: [1, 28, 28] })
    expect(description.architecture.body[0]).toEqual({ type: 'Linear', inFeatures: 26, outFeatures: 784, bias: true })
    expect(description.architecture.labelEmbedding).toEqual({ numEmbeddings: 10, embeddingDim: 10 })
    expect(description.fixedNoise).toEqual({ count: 60, nrow: 6, generatorSeed: 5 + 7919 })
    const { tensors } = decodeSafetensors(readFileSync(out))
    expect(Array.from(tensors['body.0.weight'].data as Float32Array)).toEqual(engineStateDict(2)['body.0.weight'].values)
  })

  it('rejects weights that do not fit', async () => {
    const run = sandbox.store.getRun(runId)
    const config = parseRunConfig(run.config)
    sandbox.store.setConfig(runId, { ...config, model: { ...config.model, width: 16 } }, config.steps)
    try {
      const attempt = exportRun(sandbox.store, runId, { format: 'safetensors', out: join(sandbox.dir, 'bad.safetensors') })
      await expect(attempt).rejects.toThrow(ExportError)
      await expect(attempt).rejects.toThrow(/the generator weights of run \d+ at step 3 do not fit the run's configured model: .*size mismatch for body.0.weight/s)
    } finally {
      sandbox.store.setConfig(runId, config, config.steps)
    }
  })

  it('leaks no engine tensors', async () => {
    const before = torch.memory().numTensors
    await exportRun(sandbox.store, runId, { format: 'safetensors', out: join(sandbox.dir, 'again.safetensors') })
    expect(torch.memory().numTensors - before).toBe(0)
  })
})
