/**
 * `loadOrTrainClassifier`: returns the metrics classifier of a labelled image set from the cache, or
 * trains it (a few seconds to a minute), measures it on images it never saw, computes the real-set
 * feature statistics once, and caches all of it.
 */
import * as torch from '../../engine'
import { DatasetError, inspectDataset, loadDataset, type Channels, type Dataset, type ImageSize } from '../datasets'
import { CLASSIFIER_VERSION, TRAINING, classifyItems, disposeClassifier, trainClassifier, type FeatureClassifier } from './classifier'
import { classifierFolder, classifierKey, readClassifier, statisticsOf, writeClassifier, type ClassifierIdentity, type ClassifierInfo } from './classifier-store'
import { firstRows, kNearestRadii, meanPairwiseDistance, precisionRecall } from './feature-space'
import { featureStatistics, frechetDistance, type FeatureMatrix, type GaussianStatistics } from './linalg'

/** Images generated per evaluation, and the rows of the reference features compared with them. */
export const IMAGE_EVALUATION_SAMPLES = 1024
/** Real training images behind the reference mean and covariance (all of them when fewer). */
const STATISTICS_IMAGES = 10_000
/** Test images the accuracy is measured on (all of them when fewer). */
const TEST_IMAGES = 10_000
/** Images held out for testing when a set has no test split: 20%, at most 2,000. */
const HELD_OUT_SHARE = 0.2
const HELD_OUT_MAX = 2_000

/** Raised when a dataset cannot have a metrics classifier (no labels, one class, points). */
export class ClassifierUnavailableError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ClassifierUnavailableError'
  }
}

export interface ClassifierOptions {
  imageSize?: ImageSize
  channels?: Channels
  /** The app data folder (cache and downloads), or `appDataDir()` when not given. */
  dataDir?: string
  onProgress?: (fraction: number, message: string) => void
}

/** The dataset options that determine the classifier's input images. */
type Layout = Pick<ClassifierOptions, 'imageSize' | 'channels' | 'dataDir'>

export interface ReadyClassifier {
  model: FeatureClassifier
  info: ClassifierInfo
  statistics: GaussianStatistics
  /** (IMAGE_EVALUATION_SAMPLES, 64) real features and their k-NN radii, for precision and recall. */
  referenceFeatures: FeatureMatrix
  referenceRadii: Float64Array
  /** False when the classifier came from the cache. */
  trained: boolean
  folder: string
  /** Reason a cached classifier was found but not used because it could not be read, or null. */
  cacheProblem: string | null
}

/** Returns `count` distinct indices from 0 to n - 1 (all of them, shuffled, when count >= n), seeded. */
function sampleIndices(n: number, count: number, seed: number): Int32Array {
  const order = torch.randperm(n, { generator: new torch.Generator(seed) })
  const values = order.toArray() as Int32Array
  order.dispose()
  return values.slice(0, Math.min(count, n))
}

export async function loadOrTrainClassifier(ref: string, options: ClassifierOptions = {}): Promise<ReadyClassifier> {
  const progress = options.onProgress ?? (() => undefined)
  const layout: Layout = { imageSize: options.imageSize, channels: options.channels, dataDir: options.dataDir }
  progress(0, `checking the dataset ${ref} for its metrics classifier`)
  const summary = await inspectDataset(ref, { ...layout, checksum: true })
  if (summary.kind !== 'image') throw new ClassifierUnavailableError(`${summary.name} is a set of points, not images`)
  if (summary.classes === null || summary.classes.length < 2) {
    throw new ClassifierUnavailableError(`${summary.name} has no class labels, so no classifier can be trained for the image metrics`)
  }
  if (summary.checksum === null) throw new ClassifierUnavailableError(`${summary.name} has no checksum to key the classifier cache by`)
  const identity: ClassifierIdentity = {
    name: summary.name,
    checksum: summary.checksum,
    imageShape: summary.shape as [number, number, number],
    classNames: summary.classes.map((c) => c.name),
  }
  const folder = classifierFolder(identity, options.dataDir)

  let cacheProblem: string | null = null
  try {
    const cached = await readClassifier(folder, identity)
    if (cached !== null) {
      const referenceRadii = kNearestRadii(cached.referenceFeatures)
      return { ...cached, statistics: statisticsOf(cached.info), referenceRadii, trained: false, folder, cacheProblem }
    }
  } catch (error) {
    cacheProblem = `the cached classifier in ${folder} could not be read (${(error as Error).message}); it was trained again`
  }

  const built = await buildClassifier(ref, identity, layout, progress)
  await writeClassifier(folder, { info: built.info, model: built.model, referenceFeatures: built.referenceFeatures })
  return { ...built, trained: true, folder, cacheProblem }
}

/** Loads the test split, or returns null when the set has none (the built-in digits, a single IDX pair). */
async function loadTestSplit(ref: string, layout: Layout, train: Dataset): Promise<Dataset | null> {
  try {
    const test = await loadDataset(ref, { ...layout, split: 'test' })
    return test.summary.checksum !== null && test.summary.checksum === train.summary.checksum ? null : test
  } catch (error) {
    if (error instanceof DatasetError && ['INVALID_OPTION', 'NOT_FOUND', 'UNSUPPORTED'].includes(error.code)) return null
    throw error
  }
}

async function buildClassifier(
  ref: string,
  identity: ClassifierIdentity,
  layout: Layout,
  progress: (fraction: number, message: string) => void,
): Promise<{ model: FeatureClassifier; info: ClassifierInfo; statistics: GaussianStatistics; referenceFeatures: FeatureMatrix; referenceRadii: Float64Array }> {
  progress(0.02, `loading ${identity.name} to train its metrics classifier`)
  const train = await loadDataset(ref, { ...layout, onProgress: (p) => progress(0.02 + 0.08 * p.fraction, p.message) })
  const test = await loadTestSplit(ref, layout, train)

  // Without a test split, a seeded share of the set is held out and never trained on.
  const shuffled = sampleIndices(train.length, train.length, TRAINING.seed + 1)
  const heldOut = test === null ? Math.min(HELD_OUT_MAX, Math.floor(train.length * HELD_OUT_SHARE)) : 0
  const trainIndices = shuffled.slice(heldOut)
  const testData = test ?? train
  const testIndices = test === null ? shuffled.slice(0, heldOut) : sampleIndices(test.length, TEST_IMAGES, TRAINING.seed + 2)

  const started = performance.now()
  const model = await trainClassifier(train, trainIndices, { imageShape: identity.imageShape, numClasses: identity.classNames.length }, (fraction) =>
    progress(0.1 + 0.8 * fraction, `training the ${identity.name} classifier for the metrics (step ${Math.round(fraction * TRAINING.steps)} of ${TRAINING.steps})`),
  )
  const seconds = (performance.now() - started) / 1000

  try {
    progress(0.9, `measuring the ${identity.name} classifier and the real-set feature statistics`)
    const tested = classifyItems(model, testData, testIndices)
    const correct = tested.predictions.reduce((sum, p, i) => sum + (p === tested.labels[i] ? 1 : 0), 0)

    const reference = classifyItems(model, train, trainIndices.slice(0, STATISTICS_IMAGES))
    const statistics = featureStatistics(reference.features)
    const referenceFeatures = firstRows(reference.features, IMAGE_EVALUATION_SAMPLES)
    const referenceRadii = kNearestRadii(referenceFeatures)
    const classCounts = new Array<number>(identity.classNames.length).fill(0)
    for (const label of reference.labels) classCounts[label]++

    const floorFeatures = firstRows(tested.features, IMAGE_EVALUATION_SAMPLES)
    const floorPr = precisionRecall(referenceFeatures, floorFeatures, { realRadii: referenceRadii })
    const info: ClassifierInfo = {
      version: CLASSIFIER_VERSION,
      key: classifierKey(identity),
      dataset: identity,
      training: { ...TRAINING, trainImages: trainIndices.length, seconds },
      test: { accuracy: correct / testIndices.length, count: testIndices.length, source: test === null ? 'held-out images' : 'test split' },
      reference: {
        count: reference.features.rows,
        mean: Array.from(statistics.mean),
        covariance: Array.from(statistics.covariance),
        featureRows: referenceFeatures.rows,
        meanPairwiseDistance: meanPairwiseDistance(referenceFeatures),
        classShares: classCounts.map((n) => n / reference.labels.length),
      },
      floor: {
        count: floorFeatures.rows,
        fd: frechetDistance(featureStatistics(floorFeatures), statistics),
        precision: floorPr.precision,
        recall: floorPr.recall,
      },
      createdAt: new Date().toISOString(),
    }
    progress(1, `the ${identity.name} classifier reaches ${(info.test.accuracy * 100).toFixed(1)}% test accuracy`)
    return { model, info, statistics, referenceFeatures, referenceRadii }
  } catch (error) {
    disposeClassifier(model)
    throw error
  }
}
