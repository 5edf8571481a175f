import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join, parse } from 'node:path'
import type { RunStore } from '../store/run-store'
import { encodeApng } from './apng'
import { ExportError } from './errors'
import { gridFrames } from './frames'
import { encodeGif } from './gif'
import { generatorExport, pytorchFiles } from './generator-export'
import type { NormMode } from './generator-model'
import { gridPngExport, imageFolderExport, type ExportedFile, type ImageSource } from './image-exports'
import type { Interpolation } from './latent-walk'
import { pngText, runConfig } from './run-info'
import { samplesExport, walkExport, type Layout } from './samples-export'
import { eventsCsv, runJson, stepsCsv } from './tables'

export const exportFormats = ['png-grid', 'png-folder', 'gif', 'apng', 'csv', 'json', 'safetensors', 'pytorch', 'samples', 'walk'] as const
export type ExportFormat = (typeof exportFormats)[number]

/** Defaults of the export options, shared with the command line's help. */
export const exportDefaults = {
  format: 'png-grid' as ExportFormat,
  count: 64,
  seed: 0,
  frames: 8,
  interpolation: 'spherical' as Interpolation,
  delayMs: 200,
  maxFrames: 100,
  plays: 0,
  norm: 'batch' as NormMode,
  source: 'auto' as ImageSource,
  table: 'steps' as 'steps' | 'events',
}

export interface ExportOptions {
  format?: ExportFormat
  /** A file for png-grid, gif, apng, csv, json, safetensors and grid layouts; a folder for the rest. */
  out: string
  /** The grid step (png-grid, png-folder) or the checkpoint step, the nearest at or before it (weights, samples, walk). */
  step?: number
  count?: number
  seed?: number
  /** The second seed of a walk (default: seed + 1). */
  seedTo?: number
  frames?: number
  interpolation?: Interpolation
  label?: number
  /** grid (one PNG) or folder (one PNG per image) for samples and walk; default grid when `out` ends in .png. */
  layout?: Layout
  nrow?: number
  delayMs?: number
  maxFrames?: number
  /** Times an animation plays; 0 loops forever. */
  plays?: number
  caption?: boolean
  norm?: NormMode
  source?: ImageSource
  table?: 'steps' | 'events'
}

export interface ExportResult {
  runId: number
  format: ExportFormat
  /** Paths written. */
  files: string[]
  /** The step of the grid or checkpoint exported; null for whole-run exports (csv, json, animations). */
  step: number | null
  /** Origin of the pixels or weights, as the PNG text records it. */
  source: string
}

function writeFile(path: string, bytes: Uint8Array | string): string {
  mkdirSync(dirname(path), { recursive: true })
  writeFileSync(path, bytes)
  return path
}

function writeFolder(folder: string, files: readonly ExportedFile[]): string[] {
  mkdirSync(folder, { recursive: true })
  return files.map((file) => writeFile(join(folder, file.name), file.bytes))
}

/** `name.ext` becomes `name.json` beside it; a name without an extension gets `.json` appended. */
function besideAsJson(path: string): string {
  const parsed = parse(path)
  return join(parsed.dir, `${parsed.ext ? parsed.name : parsed.base}.json`)
}

/**
 * Exports what a run made, in one of `exportFormats`, and writes it under `options.out`. Every
 * failure is an ExportError that names the run, the step and what exists.
 */
export async function exportRun(store: RunStore, runId: number, options: ExportOptions): Promise<ExportResult> {
  const run = store.getRun(runId)
  const format = options.format ?? exportDefaults.format
  if (!exportFormats.includes(format)) {
    throw new ExportError('INVALID_ARGUMENT', `unknown export format '${format}'; choose one of ${exportFormats.join(', ')}`)
  }
  const result = (files: string[], step: number | null, source: string): ExportResult => ({ runId, format, files, step, source })
  const layout: Layout = options.layout ?? (options.out.toLowerCase().endsWith('.png') ? 'grid' : 'folder')
  const placeFiles = (files: ExportedFile[]): string[] =>
    layout === 'grid' && files.length === 1 ? [writeFile(options.out, files[0].bytes)] : writeFolder(options.out, files)
  const norm = options.norm ?? exportDefaults.norm

  switch (format) {
    case 'png-grid': {
      const grid = gridPngExport(store, run, options.step)
      return result([writeFile(options.out, grid.png)], grid.step, 'stored grid')
    }
    case 'png-folder': {
      const folder = await imageFolderExport(store, run, { step: options.step, source: options.source, norm })
      return result(writeFolder(options.out, folder.files), folder.step, folder.source)
    }
    case 'gif':
    case 'apng': {
      const frames = gridFrames(store, run, format, { maxFrames: options.maxFrames ?? exportDefaults.maxFrames, caption: options.caption })
      const animation = { delayMs: options.delayMs ?? exportDefaults.delayMs, plays: options.plays ?? exportDefaults.plays }
      const images = frames.map((frame) => frame.image)
      const steps = frames.map((frame) => frame.step)
      const bytes = format === 'gif'
        ? encodeGif(images, animation)
        : encodeApng(images, animation, pngText(run, runConfig(run), `${steps[0]} to ${steps[steps.length - 1]}`, 'stored grids', { frames: steps.join(',') }))
      return result([writeFile(options.out, bytes)], null, `stored grids at steps ${steps.join(', ')}`)
    }
    case 'csv': {
      const table = options.table ?? exportDefaults.table
      const events = store.events(run.id)
      const text = table === 'events' ? eventsCsv(events) : stepsCsv(store.metrics(run.id), events)
      return result([writeFile(options.out, text)], null, 'stored metrics and events')
    }
    case 'json':
      return result([writeFile(options.out, runJson(run, store.metrics(run.id), store.events(run.id)))], null, 'stored metrics and events')
    case 'safetensors': {
      const exported = await generatorExport(store, run, options.step)
      const files = [writeFile(options.out, exported.weights), writeFile(besideAsJson(options.out), exported.description)]
      return result(files, exported.step, `checkpoint step ${exported.step}`)
    }
    case 'pytorch': {
      const exported = await generatorExport(store, run, options.step)
      return result(writeFolder(options.out, pytorchFiles(exported)), exported.step, `checkpoint step ${exported.step}`)
    }
    case 'samples': {
      const samples = await samplesExport(store, run, {
        step: options.step,
        count: options.count ?? exportDefaults.count,
        seed: options.seed ?? exportDefaults.seed,
        label: options.label,
        layout,
        nrow: options.nrow,
        norm,
      })
      return result(placeFiles(samples.files), samples.step, `checkpoint step ${samples.step}`)
    }
    case 'walk': {
      const seed = options.seed ?? exportDefaults.seed
      const walk = await walkExport(store, run, {
        step: options.step,
        seed,
        seedTo: options.seedTo ?? seed + 1,
        frames: options.frames ?? exportDefaults.frames,
        interpolation: options.interpolation ?? exportDefaults.interpolation,
        label: options.label,
        layout,
        nrow: options.nrow,
        norm,
      })
      return result(placeFiles(walk.files), walk.step, `checkpoint step ${walk.step}`)
    }
  }
}
