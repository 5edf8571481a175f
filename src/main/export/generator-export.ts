import { encodeSafetensors, type NamedArray } from '../serialization/safetensors'
import type { RunStore } from '../store/run-store'
import type { RunRecord } from '../store/types'
import { describeGenerator, type GeneratorSpec } from './architecture'
import { fixedNoise, fixedNoiseSeedOffset } from './fixed-noise'
import { loadGenerator } from './generator-model'
import type { ExportedFile } from './image-exports'
import { pytorchScript } from './pytorch-script'
import { checkpointAtOrBefore } from './queries'
import { runConfig } from './run-info'

/**
 * Converts the engine's state dict to PyTorch's dtypes: BatchNorm's num_batches_tracked is an int32
 * scalar in the engine and int64 in PyTorch. Key order is kept.
 */
export function toPytorchDtypes(weights: Record<string, NamedArray>): Record<string, NamedArray> {
  const out: Record<string, NamedArray> = {}
  for (const [key, array] of Object.entries(weights)) {
    out[key] = key.endsWith('num_batches_tracked') && array.dtype === 'I32'
      ? { dtype: 'I64', shape: array.shape, data: BigInt64Array.from(array.data as Int32Array, (v) => BigInt(v)) }
      : array
  }
  return out
}

/** The generator at a checkpoint: PyTorch-layout weights, a JSON description, and its fixed noise. */
export interface GeneratorExport {
  step: number
  weights: Uint8Array
  /** generator.json: the run, its configuration, the architecture and how its grids are drawn. */
  description: string
  fixedNoise: Uint8Array
  spec: GeneratorSpec
  script: string
}

/**
 * Exports the generator from the checkpoint at or before `step` (the latest without one). The weights
 * are loaded into the run's model first, so a checkpoint that does not fit the configuration fails
 * here and not in PyTorch.
 */
export async function generatorExport(store: RunStore, run: RunRecord, step?: number): Promise<GeneratorExport> {
  const config = runConfig(run)
  const checkpoint = checkpointAtOrBefore(store, run, step)
  const loaded = await loadGenerator(config, checkpoint)
  try {
    const spec = describeGenerator(loaded.G)
    const noise = fixedNoise(config, loaded.data)
    const outputShape = loaded.data.imageShape
    const metadata = { format: 'pt', run: String(run.id), step: String(checkpoint.step) }
    const weights = encodeSafetensors(toPytorchDtypes(loaded.weights), metadata)

    const noiseArrays: Record<string, NamedArray> = { z: { dtype: 'F32', shape: [noise.count, config.model.latentDim], data: noise.z } }
    if (noise.labels) noiseArrays.labels = { dtype: 'I64', shape: [noise.count], data: BigInt64Array.from(noise.labels, (v) => BigInt(v)) }
    const noiseFile = encodeSafetensors(noiseArrays, { ...metadata, seed: String(config.seed + fixedNoiseSeedOffset) })

    const description = {
      format: 'gan-workbench-generator',
      version: 1,
      run: { id: run.id, name: run.name, step: checkpoint.step, seed: config.seed, dataset: run.dataset },
      config,
      architecture: {
        preset: config.model.preset,
        latentDim: spec.latentDim,
        numClasses: loaded.data.numClasses,
        outputShape: outputShape ?? [2],
        body: spec.layers,
        labelEmbedding: spec.embedding,
      },
      fixedNoise: { count: noise.count, nrow: noise.nrow, generatorSeed: config.seed + fixedNoiseSeedOffset },
      sampling: 'the app draws its grids with BatchNorm in training mode (batch statistics) and maps [-1, 1] to bytes as torchvision.utils.save_image',
    }
    const script = pytorchScript({
      runId: run.id,
      runName: run.name,
      step: checkpoint.step,
      spec,
      numClasses: loaded.data.numClasses,
      outputShape,
      fixedNrow: noise.nrow,
    })
    return { step: checkpoint.step, weights, description: `${JSON.stringify(description, null, 2)}\n`, fixedNoise: noiseFile, spec, script }
  } finally {
    loaded.dispose()
  }
}

/** Lists the files of the pytorch format: the script with the weights, description and fixed noise it reads. */
export function pytorchFiles(exported: GeneratorExport): ExportedFile[] {
  return [
    { name: 'generate.py', bytes: Buffer.from(exported.script, 'utf8') },
    { name: 'generator.safetensors', bytes: exported.weights },
    { name: 'generator.json', bytes: Buffer.from(exported.description, 'utf8') },
    { name: 'fixed_noise.safetensors', bytes: exported.fixedNoise },
  ]
}
