/**
 * `inspectDataset`: a summary (count, shape, classes, files, checksum) read from headers and label
 * files without decoding images, so the command line and the app can show it quickly.
 */
import { inspectCifar } from './cifar'
import { inspectDigits } from './digits'
import { DatasetError } from './errors'
import { inspectIdxPair } from './idx-set'
import { inspectImageFolder } from './image-folder'
import { makeSummary, resolveRef, targetLayout, type ResolvedSource } from './resolve'
import type { SourceInfo, SourceOptions } from './source'
import { toySummary } from './toy-specs'
import type { DatasetSummary, InspectOptions } from './types'

/** Rejects a test split for sets that have none. */
export function checkSplit(source: ResolvedSource, options: { split?: string }): void {
  if (source.type === 'digits' && options.split === 'test') {
    throw new DatasetError('INVALID_OPTION', 'the built-in digits are one set of 10,000 images with no test split', {
      fix: "leave the split at 'train', or download mnist for its official test split",
    })
  }
}

export async function inspectSource(source: ResolvedSource, options: SourceOptions): Promise<SourceInfo> {
  switch (source.type) {
    case 'digits':
      return inspectDigits(options)
    case 'idx':
      return inspectIdxPair(source.pair, options)
    case 'cifar':
      return inspectCifar(source.cifar, options)
    case 'folder':
      return inspectImageFolder(source.root, options)
    case 'toy':
      throw new Error('toy sets have no stored source to inspect')
  }
}

export async function inspectDataset(ref: string, options: InspectOptions = {}): Promise<DatasetSummary> {
  const source = await resolveRef(ref, options)
  if (source.type === 'toy') return toySummary(source.name, ref)
  checkSplit(source, options)
  const info = await inspectSource(source, options)
  return makeSummary(ref, source, info, targetLayout(source, info.storedLayout, options))
}
