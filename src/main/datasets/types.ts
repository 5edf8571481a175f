/**
 * The shapes shared by every dataset source: options, the summary `inspect` returns and the `Dataset`
 * the trainer draws batches from.
 */
import type { Tensor } from '../../engine'

export type ImageSize = 28 | 32 | 64
export type Channels = 1 | 3
export type Split = 'train' | 'test'

export interface DatasetProgress {
  /** From 0 to 1. */
  fraction: number
  message: string
}

export interface DatasetOptions {
  /** Side of the square images the dataset returns; each source has its own default (IDX 28, CIFAR 32, folders 64). */
  imageSize?: ImageSize
  /** 1 for grey, 3 for RGB; each source has its own default (IDX 1, CIFAR 3, folders 3). */
  channels?: Channels
  /** Which part of a set with a train/test split to use; 'train' unless given. */
  split?: Split
  onProgress?: (progress: DatasetProgress) => void
  signal?: AbortSignal
  /** The app data folder (downloads live in `<dataDir>/datasets`); `appDataDir()` unless given. */
  dataDir?: string
  /** Seed of a toy set's point generator; 0 unless given. Stored sets ignore it (the sampler shuffles them). */
  seed?: number
}

export interface InspectOptions extends DatasetOptions {
  /** Whether to read every source file to compute checksums; true unless given. */
  checksum?: boolean
}

/** How the data is stored. */
export type DatasetFormat = 'toy' | 'mnist-package' | 'idx' | 'cifar10' | 'image-folder'

/** Where the set came from: shipped with the app, downloaded by it, found on the system, or a path the user gave. */
export type DatasetOrigin = 'built-in' | 'downloaded' | 'found' | 'path'

export interface ClassCount {
  index: number
  name: string
  count: number
}

export interface SourceFile {
  path: string
  bytes: number
  /** MD5 of the file as stored, null when checksums were not requested. */
  md5: string | null
}

export interface SkippedFile {
  path: string
  reason: string
}

export interface DatasetSummary {
  /** Display name, e.g. 'fashion-mnist' or a folder's name. */
  name: string
  /** The reference the summary was made for, as the caller gave it. */
  ref: string
  origin: DatasetOrigin
  format: DatasetFormat
  kind: 'image' | 'points'
  split: Split | null
  /** Number of items (for toy sets, the nominal epoch length). */
  count: number
  /** Shape of one item as the dataset returns it: [C, H, W] for images, [2] for points. */
  shape: number[]
  /** Shape of one image as stored on disk, before resizing or channel conversion; null for points. */
  storedShape: number[] | null
  channels: number | null
  /** Classes in label order with their item counts; null for unlabelled sets. */
  classes: ClassCount[] | null
  /** The file or folder the data comes from; null for sets generated in memory. */
  path: string | null
  /** Source files in reading order. Image folders leave this empty because they may hold many thousands. */
  files: SourceFile[]
  /**
   * SHA-256 over the source data: for file sets over the lines `<md5>  <file name>` of `files`, for
   * image folders over each image's relative path and bytes. Null when not requested or not applicable.
   */
  checksum: string | null
  /** The published set this matches by its labels file checksum, e.g. 'Fashion-MNIST'; null otherwise. */
  knownAs: string | null
  /** Images that could not be decoded and were left out (image folders, after loading). */
  skipped: SkippedFile[]
  warnings: string[]
  /** For toy sets: the centres of the mixture components and their common standard deviation. */
  modes?: { centres: Array<[number, number]>; std: number }
}

export interface Batch {
  /** (N, C, H, W) images scaled to [-1, 1], or (N, 2) points; float32. */
  x: Tensor
  /** (N,) int32 class indices, or null for unlabelled sets. */
  y: Tensor | null
}

export interface Dataset {
  summary: DatasetSummary
  kind: 'image' | 'points'
  length: number
  numClasses: number | null
  classNames: string[] | null
  /** [C, H, W] of the images `batch` returns; null for points. */
  imageShape: [number, number, number] | null
  /** Toy sets: the true mixture centres, for mode-coverage metrics. */
  modes?: Array<[number, number]>
  /** Toy sets: the standard deviation of every mixture component. */
  modeStd?: number
  /** Creates the tensors for the given item indices; the caller disposes them (inside `torch.scope`). */
  batch(indices: Int32Array | readonly number[]): Batch
}
