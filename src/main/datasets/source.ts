/**
 * What each stored format (IDX, CIFAR-10, image folder, the built-in digits) reports to the resolver,
 * and helpers they share. The resolver adds the name, origin and output shape to make a summary.
 */
import { createHash } from 'node:crypto'
import { basename } from 'node:path'
import type { ImageStore } from './image-dataset'
import type { ImageLayout } from './transform'
import type { ClassCount, DatasetFormat, DatasetProgress, SkippedFile, SourceFile, Split } from './types'

export interface SourceInfo {
  format: DatasetFormat
  split: Split | null
  count: number
  /** Layout of the stored images; null when it varies per file (image folders before decoding). */
  storedLayout: ImageLayout | null
  classes: ClassCount[] | null
  path: string
  files: SourceFile[]
  checksum: string | null
  knownAs: string | null
  skipped: SkippedFile[]
  warnings: string[]
}

export interface LoadedSource {
  info: SourceInfo
  store: ImageStore
}

export interface SourceOptions {
  split?: Split
  checksum?: boolean
  onProgress?: (progress: DatasetProgress) => void
  signal?: AbortSignal
}

/** Counts items per class; labels outside `classNames` must have been rejected before. */
export function countClasses(labels: ArrayLike<number>, classNames: readonly string[]): ClassCount[] {
  const counts = new Array<number>(classNames.length).fill(0)
  for (let i = 0; i < labels.length; i++) counts[labels[i]]++
  return classNames.map((name, index) => ({ index, name, count: counts[index] }))
}

/** Class names for labels with no published names: the label values themselves, '0' to the largest. */
export function numericClassNames(labels: ArrayLike<number>): string[] {
  let largest = -1
  for (let i = 0; i < labels.length; i++) if (labels[i] > largest) largest = labels[i]
  return Array.from({ length: largest + 1 }, (_, i) => String(i))
}

/** SHA-256 over `md5  name` lines, the format `md5sum` prints, so the value follows from the listed files. */
export function combinedChecksum(files: readonly SourceFile[]): string | null {
  if (files.length === 0 || files.some((file) => file.md5 === null)) return null
  const lines = files.map((file) => `${file.md5}  ${basename(file.path)}\n`).join('')
  return createHash('sha256').update(lines).digest('hex')
}

/**
 * Splits a task into weighted stages and maps each stage's own 0..1 progress onto the whole, so that
 * reading a small labels file and a large images file move one bar evenly.
 */
export function stagedProgress(
  onProgress: ((progress: DatasetProgress) => void) | undefined,
  weights: readonly number[],
): (stage: number, fraction: number, message: string) => void {
  const total = weights.reduce((sum, weight) => sum + weight, 0) || 1
  return (stage, fraction, message) => {
    if (onProgress === undefined) return
    const before = weights.slice(0, stage).reduce((sum, weight) => sum + weight, 0)
    const clamped = Math.min(Math.max(fraction, 0), 1)
    onProgress({ fraction: (before + clamped * weights[stage]) / total, message })
  }
}

/** Lets other work run between chunks of a long synchronous loop. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}
