/**
 * The dataset layer: built-in toy and digit sets, IDX, CIFAR-10 and image folders, downloads of the
 * published sets, and a seeded batch sampler. Main-process code with no Electron imports.
 */
export type {
  Batch, Channels, ClassCount, Dataset, DatasetFormat, DatasetOptions, DatasetOrigin, DatasetProgress,
  DatasetSummary, ImageSize, InspectOptions, SkippedFile, SourceFile, Split,
} from './types'
export { DatasetError, type DatasetErrorCode } from './errors'
export { BatchSampler, type SamplerState } from './sampler'
export { loadDataset } from './load'
export { inspectDataset } from './inspect'
export { listDatasets, type DatasetListing } from './list'
export {
  downloadDataset, downloadSource, isDownloaded, downloadFolder, DOWNLOAD_BASE_URL_ENV,
  type DownloadOptions, type DownloadProgress, type DownloadResult,
} from './download'
export { REMOTE_SOURCES, DOWNLOAD_NAMES, type DownloadName, type RemoteSource, type RemoteFile } from './catalog'
export { TOY_NAMES, TOY_SPECS, type ToyName, type ToySpec } from './toy-specs'
export { ImageDataset } from './image-dataset'
export { ToyDataset } from './toys'
