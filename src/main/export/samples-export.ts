import * as torch from '../../engine'
import { gridPng } from '../images/grid'
import type { RunStore } from '../store/run-store'
import type { RunRecord } from '../store/types'
import { isConditional } from '../trainer/config'
import { ExportError } from './errors'
import { newNoise, type NoiseBatch } from './fixed-noise'
import { generateImages, loadGenerator, type LoadedGenerator, type NormMode } from './generator-model'
import { encodeImage } from './grid-image'
import { imagesOf, type ExportedFile } from './image-exports'
import { latentWalk, type Interpolation } from './latent-walk'
import { checkpointAtOrBefore, requireImageRun } from './queries'
import { pngText, runConfig } from './run-info'

export type Layout = 'grid' | 'folder'

/** Most images one samples or walk export generates, in one batch. */
const maxImages = 1024

export interface SamplesRequest {
  step?: number
  /** Number of images. */
  count: number
  seed: number
  /** Class of every sample for conditional models; the classes in turn when absent. */
  label?: number
  layout: Layout
  nrow?: number
  norm: NormMode
}

export interface WalkRequest {
  step?: number
  /** Seeds of the two end vectors. */
  seed: number
  seedTo: number
  frames: number
  interpolation: Interpolation
  /** Class of every frame for conditional models (default 0). */
  label?: number
  layout: Layout
  nrow?: number
  norm: NormMode
}

function checkLabel(loaded: LoadedGenerator, label: number | undefined, runId: number): void {
  if (label === undefined) return
  const classes = loaded.data.numClasses
  if (classes === null) throw new ExportError('INVALID_ARGUMENT', `run ${runId} trains an unconditional model, so it takes no class label`)
  if (!Number.isInteger(label) || label < 0 || label >= classes) {
    throw new ExportError('INVALID_ARGUMENT', `run ${runId} has classes 0 to ${classes - 1}, got label ${label}`)
  }
}

/** Writes a batch as one grid PNG or one PNG per image, with the same text on each. */
function layoutFiles(
  batch: ReturnType<typeof generateImages>,
  noise: NoiseBatch,
  layout: Layout,
  nrow: number,
  text: Record<string, string>,
): ExportedFile[] {
  if (layout === 'grid') {
    // torchvision's make_grid returns a lone image without padding, so save_image writes it bare.
    const bytes = batch.shape[0] === 1 ? encodeImage(imagesOf(batch)[0], false, text) : gridPng(batch, { nrow }, text)
    return [{ name: 'grid.png', bytes }]
  }
  const grey = batch.shape[1] === 1
  return imagesOf(batch).map((image, index) => {
    const label: Record<string, string> = noise.labels ? { label: String(noise.labels[index]) } : {}
    return { name: `sample-${String(index).padStart(3, '0')}.png`, bytes: encodeImage(image, grey, { ...text, index: String(index), ...label }) }
  })
}

async function withGenerator<T>(store: RunStore, run: RunRecord, format: string, step: number | undefined, fn: (loaded: LoadedGenerator) => T): Promise<{ step: number; result: T }> {
  requireImageRun(store, run, format)
  const checkpoint = checkpointAtOrBefore(store, run, step)
  const loaded = await loadGenerator(runConfig(run), checkpoint)
  try {
    return { step: checkpoint.step, result: fn(loaded) }
  } finally {
    loaded.dispose()
  }
}

/** New images from a checkpoint: `count` noise vectors drawn from a generator seeded with `seed`. */
export async function samplesExport(store: RunStore, run: RunRecord, request: SamplesRequest): Promise<{ step: number; files: ExportedFile[] }> {
  if (!Number.isInteger(request.count) || request.count < 1 || request.count > maxImages) {
    throw new ExportError('INVALID_ARGUMENT', `the sample count must be an integer from 1 to ${maxImages}, got ${request.count}`)
  }
  const config = runConfig(run)
  const { step, result } = await withGenerator(store, run, 'samples', request.step, (loaded) => {
    checkLabel(loaded, request.label, run.id)
    const noise = newNoise(config, loaded.data, request.count, request.seed, request.label)
    const batch = generateImages(loaded, noise, request.norm)
    const text = pngText(run, config, loaded.step, `checkpoint step ${loaded.step}`, {
      noise: `new, seed ${request.seed}`,
      normalization: request.norm === 'batch' ? 'batch statistics' : 'running averages',
    })
    return layoutFiles(batch, noise, request.layout, request.nrow ?? noise.nrow, text)
  })
  return { step, files: result }
}

/** Generates a walk through latent space: `frames` images between the noise vectors of two seeds. */
export async function walkExport(store: RunStore, run: RunRecord, request: WalkRequest): Promise<{ step: number; files: ExportedFile[] }> {
  if (!Number.isInteger(request.frames) || request.frames < 2 || request.frames > maxImages) {
    throw new ExportError('INVALID_ARGUMENT', `a latent walk needs an integer from 2 to ${maxImages} frames, got ${request.frames}`)
  }
  const config = runConfig(run)
  const { step, result } = await withGenerator(store, run, 'walk', request.step, (loaded) => {
    checkLabel(loaded, request.label, run.id)
    const latentDim = config.model.latentDim
    const from = new torch.Generator(request.seed).fillNormal(new Float32Array(latentDim))
    const to = new torch.Generator(request.seedTo).fillNormal(new Float32Array(latentDim))
    const vectors = latentWalk(from, to, request.frames, request.interpolation)
    const z = new Float32Array(request.frames * latentDim)
    vectors.forEach((vector, k) => z.set(vector, k * latentDim))
    const labels = isConditional(config) ? new Int32Array(request.frames).fill(request.label ?? 0) : null
    const noise: NoiseBatch = { z, labels, count: request.frames, nrow: request.frames }
    const batch = generateImages(loaded, noise, request.norm)
    const text = pngText(run, config, loaded.step, `checkpoint step ${loaded.step}`, {
      noise: `${request.interpolation} walk from seed ${request.seed} to seed ${request.seedTo}, ${request.frames} frames`,
      normalization: request.norm === 'batch' ? 'batch statistics' : 'running averages',
    })
    return layoutFiles(batch, noise, request.layout, request.nrow ?? request.frames, text)
  })
  return { step, files: result }
}
