import { makeGrid, type RgbImage } from '../images/grid'
import type { RunStore } from '../store/run-store'
import type { RunRecord } from '../store/types'
import { isConditional, type RunConfig } from '../trainer/config'
import { ExportError } from './errors'
import { fixedNoise } from './fixed-noise'
import { generateImages, loadGenerator, type NormMode } from './generator-model'
import { cutTiles, decodeRgb, encodeImage, gridLayout, isGrey } from './grid-image'
import { checkpointAtOrBefore, describeSteps, requireImageRun, storedGrid } from './queries'
import { pngText, runConfig } from './run-info'

/** One file of an export, named relative to the output folder. */
export interface ExportedFile {
  name: string
  bytes: Uint8Array
}

export type ImageSource = 'auto' | 'grid' | 'checkpoint'

/** Reads the learning rates in effect at `step` from its metrics row, for the PNG text. */
function learningRatesAt(store: RunStore, runId: number, step: number): Record<string, string> {
  const row = store.metrics(runId, step, step)[0]
  return row ? { 'learning rates': `G ${row.lrG ?? '-'}, D ${row.lrD ?? '-'}` } : {}
}

/**
 * Re-encodes the stored grid at `step` (the latest without one) with text chunks for the run, step,
 * seed and settings. The pixels are the stored ones, unchanged.
 */
export function gridPngExport(store: RunStore, run: RunRecord, step?: number): { step: number; png: Uint8Array } {
  requireImageRun(store, run, 'png-grid')
  const config = runConfig(run)
  const grid = storedGrid(store, run, step)
  const image = decodeRgb(grid.png, `the stored grid of run ${run.id} at step ${grid.step}`)
  const text = pngText(run, config, grid.step, 'stored grid', learningRatesAt(store, run.id, grid.step))
  return { step: grid.step, png: encodeImage(image, false, text) }
}

function singleName(index: number, label: number | null): string {
  const base = `sample-${String(index).padStart(3, '0')}`
  return label === null ? `${base}.png` : `${base}-class-${label}.png`
}

/** Encodes each image as its own PNG, grey when the run's images have one channel. */
function singles(
  tiles: RgbImage[],
  grey: boolean,
  labels: ArrayLike<number> | null,
  text: (index: number) => Record<string, string>,
): ExportedFile[] {
  return tiles.map((tile, index) => {
    const label = labels ? labels[index] : null
    const extra: Record<string, string> = label === null ? {} : { label: String(label) }
    return { name: singleName(index, label), bytes: encodeImage(tile, grey, { ...text(index), index: String(index), ...extra }) }
  })
}

/** Splits a generated (N, C, H, W) batch into one RGB image per sample. */
export function imagesOf(batch: Parameters<typeof makeGrid>[0]): RgbImage[] {
  const [n, c, h, w] = batch.shape
  const plane = c * h * w
  return Array.from({ length: n }, (_, i) =>
    makeGrid({ data: batch.data.subarray(i * plane, (i + 1) * plane), shape: [1, c, h, w] }, { padding: 0, nrow: 1 }),
  )
}

/**
 * Writes every image of the fixed-noise grid at `step` as its own PNG. `auto` cuts the stored grid
 * into its tiles when one exists at that step, which gives the exact pixels shown in the app.
 * Otherwise it regenerates the images from the checkpoint at or before the step. `grid` and
 * `checkpoint` force one source, and the `source` text chunk records which was used.
 */
export async function imageFolderExport(
  store: RunStore,
  run: RunRecord,
  options: { step?: number; source?: ImageSource; norm?: NormMode },
): Promise<{ step: number; source: string; files: ExportedFile[] }> {
  requireImageRun(store, run, 'png-folder')
  const config = runConfig(run)
  const requested = options.source ?? 'auto'
  const gridSteps = store.sampleSteps(run.id, 'grid')
  const gridStep = options.step ?? gridSteps[gridSteps.length - 1]
  const useGrid = requested === 'grid' || (requested === 'auto' && gridStep !== undefined && gridSteps.includes(gridStep))
  if (useGrid) return tilesFromGrid(store, run, config, options.step)
  if (requested === 'auto' && store.checkpointSteps(run.id).length === 0) {
    throw new ExportError(
      'NOT_FOUND',
      `run ${run.id} has neither a stored grid ${options.step === undefined ? '' : `at step ${options.step} `}nor a checkpoint to regenerate one from; ` +
        `grids exist at steps: ${describeSteps(gridSteps)}`,
    )
  }
  return tilesFromCheckpoint(store, run, config, options.step, options.norm ?? 'batch')
}

function tilesFromGrid(store: RunStore, run: RunRecord, config: RunConfig, step?: number): { step: number; source: string; files: ExportedFile[] } {
  const grid = storedGrid(store, run, step)
  const image = decodeRgb(grid.png, `the stored grid of run ${run.id} at step ${grid.step}`)
  const layout = gridLayout(image, config.imageSize)
  const tiles = cutTiles(image, layout)
  // Conditional grids hold one class per row.
  const labels = isConditional(config) ? tiles.map((_, i) => Math.floor(i / layout.nrow)) : null
  const source = 'stored grid'
  const text = pngText(run, config, grid.step, source, learningRatesAt(store, run.id, grid.step))
  return { step: grid.step, source, files: singles(tiles, isGrey(image), labels, () => text) }
}

async function tilesFromCheckpoint(
  store: RunStore,
  run: RunRecord,
  config: RunConfig,
  step: number | undefined,
  norm: NormMode,
): Promise<{ step: number; source: string; files: ExportedFile[] }> {
  const checkpoint = checkpointAtOrBefore(store, run, step)
  const loaded = await loadGenerator(config, checkpoint)
  try {
    const noise = fixedNoise(config, loaded.data)
    const batch = generateImages(loaded, noise, norm)
    const source = `checkpoint step ${checkpoint.step}`
    const text = pngText(run, config, checkpoint.step, source, { normalization: norm === 'batch' ? 'batch statistics' : 'running averages' })
    const grey = batch.shape[1] === 1
    return { step: checkpoint.step, source, files: singles(imagesOf(batch), grey, noise.labels, () => text) }
  } finally {
    loaded.dispose()
  }
}
