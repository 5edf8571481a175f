/**
 * What an evaluation compares generated samples with, one kind per data kind: classifier features
 * for labelled image sets, pixels for other image sets, known modes for the 2-D toy sets. Each
 * collects one evaluation's samples chunk by chunk and then computes its metrics.
 */
import * as torch from '../../engine'
import type { Tensor } from '../../engine'
import { ToyDataset, type ToyName } from '../datasets'
import { classify, disposeClassifier, FEATURE_DIM } from './classifier'
import { IMAGE_EVALUATION_SAMPLES, type ReadyClassifier } from './classifier-setup'
import { meanPairwiseDistance, precisionRecall } from './feature-space'
import { featureStatistics, frechetDistance, type FeatureMatrix } from './linalg'
import type { EvaluationMetrics } from './names'
import { CLASS_SHARE_PREFIX } from './names'
import { gridFor, histogram2d, jsDivergence, klDivergence, modeCoverage, type DensityGrid } from './points'

/** One evaluation's collector: `add` receives the samples in order, `finish` computes the metrics. */
export interface SampleCollector {
  /** Receives `samples` (n, ...) generated from the evaluation noise, and `labels`, the classes they were conditioned on. */
  add(samples: Tensor, labels: Int32Array | null): void
  finish(): EvaluationMetrics
}

export interface SampleReference {
  /** Generated samples per evaluation. */
  readonly sampleCount: number
  start(): SampleCollector
  dispose(): void
}

/** A class counts as covered when it gets at least this share of its real share of the samples. */
export const CLASS_COVERED_RATIO = 0.1

/** Labelled image sets: Fréchet distance, precision and recall, class histogram, feature diversity. */
export class ClassifierReference implements SampleReference {
  readonly sampleCount = IMAGE_EVALUATION_SAMPLES

  constructor(readonly classifier: ReadyClassifier) {}

  start(): SampleCollector {
    const { model, info, statistics, referenceFeatures, referenceRadii } = this.classifier
    const count = this.sampleCount
    const features = new Float32Array(count * FEATURE_DIM)
    const predictions = new Int32Array(count)
    const conditioned = new Int32Array(count).fill(-1)
    let filled = 0
    return {
      add(samples, labels) {
        const out = classify(model, samples)
        const rows = Math.min(out.predictions.length, count - filled)
        features.set(out.features.subarray(0, rows * FEATURE_DIM), filled * FEATURE_DIM)
        predictions.set(out.predictions.subarray(0, rows), filled)
        if (labels) conditioned.set(labels.subarray(0, rows), filled)
        filled += rows
      },
      finish() {
        const fake: FeatureMatrix = { rows: filled, dim: FEATURE_DIM, values: features.subarray(0, filled * FEATURE_DIM) }
        const numClasses = info.dataset.classNames.length
        const counts = new Array<number>(numClasses).fill(0)
        let agreeing = 0
        for (let i = 0; i < filled; i++) {
          counts[predictions[i]]++
          if (predictions[i] === conditioned[i]) agreeing++
        }
        const shares = counts.map((n) => n / filled)
        const covered = shares.filter((share, c) => share > 0 && share >= CLASS_COVERED_RATIO * info.reference.classShares[c]).length
        const { precision, recall } = precisionRecall(referenceFeatures, fake, { realRadii: referenceRadii })
        const metrics: EvaluationMetrics = {
          fd: frechetDistance(featureStatistics(fake), statistics),
          fdFloor: info.floor.fd,
          precision,
          recall,
          classesCovered: covered,
          classifierAccuracy: info.test.accuracy,
          diversity: meanPairwiseDistance(fake) / info.reference.meanPairwiseDistance,
        }
        if (conditioned[0] >= 0) metrics.labelAccuracy = agreeing / filled
        shares.forEach((share, c) => (metrics[`${CLASS_SHARE_PREFIX}${c}`] = share))
        return metrics
      },
    }
  }

  dispose(): void {
    disposeClassifier(this.classifier.model)
  }
}

/** Pixel-space samples behind the diversity of image sets without a classifier: pairwise distances cost O(n² C H W). */
export const PIXEL_DIVERSITY_SAMPLES = 256

/** Image sets without class labels: only the pixel-space diversity. */
export class PixelReference implements SampleReference {
  readonly sampleCount = IMAGE_EVALUATION_SAMPLES
  private readonly realDistance: number

  /** `realImages` are (PIXEL_DIVERSITY_SAMPLES, C, H, W) real images, which the caller disposes. */
  constructor(realImages: Tensor) {
    this.realDistance = meanPairwiseDistance(pixelRows(realImages.toArray() as Float32Array, realImages.shape[0]))
  }

  start(): SampleCollector {
    const kept: Float32Array[] = []
    let filled = 0
    const realDistance = this.realDistance
    return {
      add(samples) {
        if (filled >= PIXEL_DIVERSITY_SAMPLES) return
        const rows = Math.min(samples.shape[0], PIXEL_DIVERSITY_SAMPLES - filled)
        kept.push(samples.narrow(0, 0, rows).toArray() as Float32Array)
        filled += rows
      },
      finish() {
        const values = new Float32Array(kept.reduce((n, part) => n + part.length, 0))
        let offset = 0
        for (const part of kept) {
          values.set(part, offset)
          offset += part.length
        }
        return { diversity: meanPairwiseDistance(pixelRows(values, filled)) / realDistance }
      },
    }
  }

  dispose(): void {}
}

function pixelRows(values: Float32Array, rows: number): FeatureMatrix {
  return { rows, dim: values.length / rows, values }
}

/** Generated points per evaluation of a toy set. */
export const POINT_EVALUATION_SAMPLES = 2500
/** Real points behind the real histogram. */
const REAL_POINTS = 10_000
/** Seed of the real points, fixed so every run of a set compares with the same ones. */
const REAL_POINTS_SEED = 1

/** The 2-D toy sets: mode coverage, high-quality share, KL and JS divergence on a grid, diversity. */
export class PointReference implements SampleReference {
  readonly sampleCount = POINT_EVALUATION_SAMPLES
  readonly realPoints: Float32Array
  private readonly grid: DensityGrid
  private readonly realHistogram: Float64Array
  private readonly realDistance: number
  private readonly centres: Array<[number, number]>
  private readonly std: number

  constructor(name: ToyName) {
    const toy = new ToyDataset(name, REAL_POINTS_SEED)
    this.centres = toy.modes
    this.std = toy.modeStd
    this.realPoints = torch.scope(() => toy.batch(new Int32Array(REAL_POINTS)).x.toArray() as Float32Array)
    this.grid = gridFor(this.centres, this.std)
    this.realHistogram = histogram2d(this.realPoints, this.grid)
    const rows = POINT_EVALUATION_SAMPLES
    this.realDistance = meanPairwiseDistance({ rows, dim: 2, values: this.realPoints.subarray(0, rows * 2) })
  }

  start(): SampleCollector {
    const count = this.sampleCount
    const points = new Float32Array(count * 2)
    let filled = 0
    return {
      add: (samples) => {
        const rows = Math.min(samples.shape[0], count - filled)
        points.set((samples.toArray() as Float32Array).subarray(0, rows * 2), filled * 2)
        filled += rows
      },
      finish: () => {
        const fake = points.subarray(0, filled * 2)
        const coverage = modeCoverage(fake, this.centres, this.std)
        const histogram = histogram2d(fake, this.grid)
        return {
          modesCovered: coverage.modesCovered,
          modesTotal: coverage.modesTotal,
          highQualityShare: coverage.highQualityShare,
          klRealFake: klDivergence(this.realHistogram, histogram),
          jsRealFake: jsDivergence(this.realHistogram, histogram),
          diversity: meanPairwiseDistance({ rows: filled, dim: 2, values: fake }) / this.realDistance,
        }
      },
    }
  }

  dispose(): void {}
}
