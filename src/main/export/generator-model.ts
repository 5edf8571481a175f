import * as torch from '../../engine'
import { startEngine } from '../engine-node'
import type { ImageBatch } from '../images/grid'
import { decodeSafetensors, type NamedArray } from '../serialization/safetensors'
import type { CheckpointRecord } from '../store/types'
import { loadStateDictFrom } from '../trainer/checkpoint'
import type { RunConfig } from '../trainer/config'
import { buildModels, type DataShape, type Generator } from '../trainer/models'
import { inferDataShape } from './data-shape'
import { ExportError } from './errors'
import type { NoiseBatch } from './fixed-noise'

/**
 * The statistics BatchNorm layers normalise with while sampling. `batch` uses each batch's own
 * (training mode), as the app draws its grids, and `running` the running averages (evaluation mode).
 */
export type NormMode = 'batch' | 'running'

/** A run's generator with a checkpoint's weights loaded, on the engine. Call `dispose()` when done. */
export interface LoadedGenerator {
  G: Generator
  data: DataShape
  step: number
  /** The checkpoint's generator tensors as stored. */
  weights: Record<string, NamedArray>
  dispose(): void
}

/** Starts the engine on the backend training uses, once per process. */
export async function startExportEngine(): Promise<void> {
  await startEngine()
}

function disposeModule(module: torch.nn.Module): void {
  for (const parameter of module.parameters()) parameter.dispose()
  for (const [, buffer] of module.namedBuffers()) buffer.dispose()
}

/** Builds the run's generator and loads the checkpoint's weights into it (strict: every key must match). */
export async function loadGenerator(config: RunConfig, checkpoint: CheckpointRecord): Promise<LoadedGenerator> {
  await startExportEngine()
  const source = `the generator weights of run ${checkpoint.runId} at step ${checkpoint.step}`
  const weights = decodeSafetensors(checkpoint.generator, source).tensors
  const data = inferDataShape(config, weights, source)
  const { G, D } = buildModels(config, data)
  disposeModule(D)
  try {
    loadStateDictFrom(G, checkpoint.generator, source)
  } catch (error) {
    disposeModule(G)
    throw new ExportError('INVALID_ARGUMENT', `${source} do not fit the run's configured model: ${(error as Error).message}`)
  }
  return { G, data, step: checkpoint.step, weights, dispose: () => disposeModule(G) }
}

function hasBatchNorm(G: Generator): boolean {
  return G.modules().some((module) => module instanceof torch.nn.BatchNormBase)
}

/** Generates one output per noise vector without recording a graph: (N, C, H, W) images or (N, 2) points. */
export function generate(loaded: LoadedGenerator, noise: NoiseBatch, norm: NormMode): { data: Float32Array; shape: number[] } {
  const { G } = loaded
  if (norm === 'batch' && noise.count < 2 && hasBatchNorm(G)) {
    throw new ExportError(
      'INVALID_ARGUMENT',
      'normalising with batch statistics needs at least 2 samples, because one sample has no variance; ' +
        'generate 2 or more, or normalise with the running averages (--norm running on the command line)',
    )
  }
  G.train(norm === 'batch')
  const latentDim = noise.z.length / noise.count
  return torch.scope(() =>
    torch.noGrad(() => {
      const z = torch.tensor(noise.z, { shape: [noise.count, latentDim] })
      const labels = noise.labels ? torch.tensor(noise.labels, { dtype: 'int32' }) : null
      const out = G.forward(z, labels)
      return { data: out.toArray() as Float32Array, shape: out.shape }
    }),
  )
}

/** `generate` for image generators, typed as the grid code expects. */
export function generateImages(loaded: LoadedGenerator, noise: NoiseBatch, norm: NormMode): ImageBatch {
  if (loaded.data.kind !== 'image') {
    throw new ExportError('UNSUPPORTED', 'this run generates 2-D points, not images; export its generator (safetensors, pytorch) instead')
  }
  const { data, shape } = generate(loaded, noise, norm)
  return { data, shape: shape as ImageBatch['shape'] }
}
