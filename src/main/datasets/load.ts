/**
 * `loadDataset`: resolves a reference and reads the whole set into memory, reporting progress and
 * yielding to the event loop between chunks, then wraps it as a `Dataset` that makes tensors per batch.
 */
import { loadCifar } from './cifar'
import { loadDigits } from './digits'
import { loadIdxPair } from './idx-set'
import { ImageDataset } from './image-dataset'
import { loadImageFolder } from './image-folder'
import { checkSplit } from './inspect'
import { makeSummary, resolveRef, targetLayout } from './resolve'
import type { LoadedSource } from './source'
import { ToyDataset } from './toys'
import type { Dataset, DatasetOptions } from './types'

export async function loadDataset(ref: string, options: DatasetOptions = {}): Promise<Dataset> {
  const source = await resolveRef(ref, options)
  if (source.type === 'toy') return new ToyDataset(source.name, options.seed ?? 0, ref)
  checkSplit(source, options)

  let loaded: LoadedSource
  switch (source.type) {
    case 'digits':
      loaded = await loadDigits(options)
      break
    case 'idx':
      loaded = await loadIdxPair(source.pair, options)
      break
    case 'cifar':
      loaded = await loadCifar(source.cifar, options)
      break
    case 'folder':
      // Folders are decoded straight to the output layout, so the store already has it.
      loaded = await loadImageFolder(source.root, targetLayout(source, null, options), options)
      break
  }
  const target = targetLayout(source, loaded.info.storedLayout, options)
  return new ImageDataset(makeSummary(ref, source, loaded.info, target), loaded.store, target)
}
