/**
 * The on-disk cache of metrics classifiers, one folder per dataset, image shape and classifier
 * version under `<app data>/metrics/classifiers/`:
 *   classifier.safetensors  the weights (a PyTorch-compatible state dict)
 *   reference.safetensors   `features` (R, 64): real training images' features for precision, recall and diversity
 *   info.json               test accuracy, the real-set feature mean and covariance, and how it was made
 * info.json is written last, so a folder without it is an unfinished write and is ignored.
 */
import { createHash } from 'node:crypto'
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { appDataDir } from '../paths'
import { decodeSafetensors, encodeSafetensors } from '../serialization/safetensors'
import { encodeStateDict, loadStateDictFrom } from '../trainer/checkpoint'
import { CLASSIFIER_VERSION, FEATURE_DIM, FeatureClassifier, disposeClassifier } from './classifier'
import type { FeatureMatrix, GaussianStatistics } from './linalg'

/** What identifies the data a classifier was trained on. */
export interface ClassifierIdentity {
  /** Dataset name as its summary gives it, e.g. 'digits' or 'fashion-mnist'. */
  name: string
  /** SHA-256 over the dataset's source files (the dataset summary's checksum). */
  checksum: string
  /** (C, H, W) of the images the classifier takes. */
  imageShape: [number, number, number]
  classNames: string[]
}

export interface ClassifierInfo {
  version: number
  key: string
  dataset: ClassifierIdentity
  training: { steps: number; batchSize: number; lr: number; seed: number; trainImages: number; seconds: number }
  /** Accuracy on images the classifier never trained on. */
  test: { accuracy: number; count: number; source: 'test split' | 'held-out images' }
  reference: {
    /** Real training images behind the mean and covariance. */
    count: number
    /** (64) */
    mean: number[]
    /** (64, 64) row-major. */
    covariance: number[]
    /** Rows of reference.safetensors. */
    featureRows: number
    /** Mean pairwise feature distance of those rows, the denominator of the diversity score. */
    meanPairwiseDistance: number
    /** Share of each class among the reference images' labels. */
    classShares: number[]
  }
  /**
   * The metrics of real test (or held-out) images against the reference, with as many images as an
   * evaluation generates: the values a perfect generator would get, about 0 for the FD only in the limit.
   */
  floor: { count: number; fd: number; precision: number; recall: number }
  createdAt: string
}

export interface StoredClassifier {
  info: ClassifierInfo
  model: FeatureClassifier
  referenceFeatures: FeatureMatrix
}

/** Returns the cache key: a hash of the identity and the classifier version. */
export function classifierKey(identity: ClassifierIdentity): string {
  const text = JSON.stringify({ version: CLASSIFIER_VERSION, ...identity })
  return createHash('sha256').update(text).digest('hex').slice(0, 16)
}

/** Returns the cache folder for an identity, under `dataDir` in place of the app data folder when given. */
export function classifierFolder(identity: ClassifierIdentity, dataDir?: string): string {
  const slug = identity.name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40) || 'dataset'
  const [c, h, w] = identity.imageShape
  return join(dataDir ?? appDataDir(), 'metrics', 'classifiers', `${slug}-${c}x${h}x${w}-v${CLASSIFIER_VERSION}-${classifierKey(identity)}`)
}

export function statisticsOf(info: ClassifierInfo): GaussianStatistics {
  return {
    count: info.reference.count,
    mean: Float64Array.from(info.reference.mean),
    covariance: Float64Array.from(info.reference.covariance),
  }
}

/** Writes a file under a temporary name and renames it, so a reader never sees half of it. */
async function writeAtomic(file: string, data: Uint8Array | string): Promise<void> {
  const temporary = `${file}.${process.pid}-${Date.now()}.tmp`
  await writeFile(temporary, data)
  await rename(temporary, file)
}

export async function writeClassifier(folder: string, stored: StoredClassifier): Promise<void> {
  await mkdir(folder, { recursive: true })
  const { rows, dim, values } = stored.referenceFeatures
  await writeAtomic(join(folder, 'classifier.safetensors'), encodeStateDict(stored.model, { version: String(CLASSIFIER_VERSION) }))
  await writeAtomic(
    join(folder, 'reference.safetensors'),
    encodeSafetensors({ features: { dtype: 'F32', shape: [rows, dim], data: Float32Array.from(values) } }),
  )
  await writeAtomic(join(folder, 'info.json'), `${JSON.stringify(stored.info, null, 1)}\n`)
}

/**
 * Reads a cached classifier. Returns null when the folder holds none (or an unfinished write), and
 * raises when the files are there but do not fit the identity or cannot be decoded.
 */
export async function readClassifier(folder: string, identity: ClassifierIdentity): Promise<StoredClassifier | null> {
  let text: string
  try {
    text = await readFile(join(folder, 'info.json'), 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw error
  }
  const info = JSON.parse(text) as ClassifierInfo
  const key = classifierKey(identity)
  if (info.version !== CLASSIFIER_VERSION || info.key !== key) {
    throw new Error(`${folder}/info.json is for classifier version ${info.version}, key ${info.key}; expected ${CLASSIFIER_VERSION}, ${key}`)
  }
  const [weights, reference] = await Promise.all([
    readFile(join(folder, 'classifier.safetensors')),
    readFile(join(folder, 'reference.safetensors')),
  ])
  const model = new FeatureClassifier(identity.imageShape, identity.classNames.length)
  try {
    loadStateDictFrom(model, weights, join(folder, 'classifier.safetensors'))
  } catch (error) {
    disposeClassifier(model)
    throw error
  }
  const features = decodeSafetensors(reference, join(folder, 'reference.safetensors')).tensors.features
  if (!features || features.dtype !== 'F32' || features.shape[1] !== FEATURE_DIM || features.shape[0] !== info.reference.featureRows) {
    disposeClassifier(model)
    throw new Error(`${folder}/reference.safetensors lacks F32 features of shape [${info.reference.featureRows}, ${FEATURE_DIM}]`)
  }
  return { info, model, referenceFeatures: { rows: features.shape[0], dim: FEATURE_DIM, values: features.data as Float32Array } }
}
