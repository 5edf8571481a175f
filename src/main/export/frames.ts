import type { RgbImage } from '../images/grid'
import type { RunStore } from '../store/run-store'
import type { RunRecord } from '../store/types'
import { drawText, glyphHeight, textWidth } from './bitmap-font'
import { ExportError } from './errors'
import { decodeRgb } from './grid-image'
import { requireImageRun, storedGrid } from './queries'

/** One animation frame: the grid at a step. */
export interface Frame {
  step: number
  image: RgbImage
}

export interface FrameOptions {
  /** Maximum number of frames. Longer runs are thinned evenly, and the first and last grid are always kept. */
  maxFrames?: number
  /** Draw "step N" in a band above each grid (default true). */
  caption?: boolean
}

/** Picks at most `max` of `steps`, evenly spaced, always keeping the first and the last. */
export function thinSteps(steps: readonly number[], max: number): number[] {
  if (!Number.isInteger(max) || max < 1) throw new ExportError('INVALID_ARGUMENT', `max frames must be a positive integer, got ${max}`)
  if (steps.length <= max) return [...steps]
  if (max === 1) return [steps[steps.length - 1]]
  const picked = new Set<number>()
  for (let i = 0; i < max; i++) picked.add(steps[Math.round((i * (steps.length - 1)) / (max - 1))])
  return [...picked]
}

/** Scale of the label font: 1 for grids under 300 pixels wide, larger ones get 2. */
const captionScale = (width: number): number => (width < 300 ? 1 : 2)

/** Height of the caption band above a grid of this width. */
export function captionHeight(width: number): number {
  const scale = captionScale(width)
  return glyphHeight * scale + 4 * scale
}

/** Returns a copy of the grid with a black band on top holding "step N" in white. */
export function addCaption(image: RgbImage, step: number): RgbImage {
  const scale = captionScale(image.width)
  const band = captionHeight(image.width)
  const out: RgbImage = { width: image.width, height: image.height + band, pixels: new Uint8Array(image.width * (image.height + band) * 3) }
  out.pixels.set(image.pixels, image.width * band * 3)
  const label = `step ${step}`
  const x = Math.max(0, Math.floor((image.width - textWidth(label, scale)) / 2))
  drawText(out, label, x, 2 * scale, scale, [255, 255, 255])
  return out
}

/** Decodes the run's stored grids as frames, thinned to `maxFrames`, with optional step captions. */
export function gridFrames(store: RunStore, run: RunRecord, format: string, options: FrameOptions = {}): Frame[] {
  requireImageRun(store, run, format)
  const steps = thinSteps(store.sampleSteps(run.id, 'grid'), options.maxFrames ?? 100)
  if (steps.length === 0) throw new ExportError('NOT_FOUND', `run ${run.id} has no stored grids yet, so there is nothing to animate`)
  const frames = steps.map((step) => {
    const grid = storedGrid(store, run, step)
    const image = decodeRgb(grid.png, `the stored grid of run ${run.id} at step ${step}`)
    return { step, image: options.caption === false ? image : addCaption(image, step) }
  })
  const first = frames[0].image
  for (const frame of frames) {
    if (frame.image.width !== first.width || frame.image.height !== first.height) {
      throw new ExportError(
        'INVALID_ARGUMENT',
        `run ${run.id}'s grid at step ${frame.step} is ${frame.image.width}x${frame.image.height} but the one at step ${frames[0].step} ` +
          `is ${first.width}x${first.height}; an animation needs frames of one size`,
      )
    }
  }
  return frames
}
