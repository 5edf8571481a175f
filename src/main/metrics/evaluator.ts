/**
 * The evaluator a training worker runs every `metricsEvery` iterations: it generates a fixed number
 * of samples from fixed noise, measures them against the data (see sample-metrics.ts) and measures D
 * on them and on real samples. Its numbers go into `MetricRecord.extra` of the evaluated step.
 */
import * as torch from '../../engine'
import type { Tensor } from '../../engine'
import { isToyName } from '../datasets/toy-specs'
import type { RunConfig } from '../trainer/config'
import type { Discriminator, Generator } from '../trainer/models'
import type { TrainingData } from '../trainer/trainer'
import { ClassifierUnavailableError, loadOrTrainClassifier } from './classifier-setup'
import type { EvaluationMetrics } from './names'
import { ClassifierReference, PIXEL_DIVERSITY_SAMPLES, PixelReference, PointReference, type SampleReference } from './sample-metrics'

/** The parts of a trainer an evaluation reads. GanTrainer has all of them. */
export interface EvaluationTarget {
  readonly G: Generator
  readonly D: Discriminator
  readonly config: RunConfig
  readonly data: TrainingData
}

/** A message for the run's event log: which classifier the metrics use, or why some are missing. */
export interface EvaluatorNote {
  message: string
  data?: Record<string, unknown>
}

export interface EvaluatorOptions {
  /** The app data folder (classifier cache and downloads), or `appDataDir()` when not given. */
  dataDir?: string
  onProgress?: (fraction: number, message: string) => void
}

/** Offset from the run's seed of the evaluation noise, so evaluations never draw from the training sequence. */
const NOISE_SEED_OFFSET = 104_729
/** Seed of the real images D is measured on, fixed so every run of a set uses the same ones. */
const REAL_INDEX_SEED = 2

export class Evaluator {
  private constructor(
    readonly every: number,
    private readonly reference: SampleReference,
    readonly notes: EvaluatorNote[],
  ) {}

  /**
   * Makes the evaluator for a run, training or loading the dataset's classifier where the metrics need
   * one. Returns null when metrics are off or the run ends before the first evaluation.
   */
  static async prepare(config: RunConfig, data: TrainingData, options: EvaluatorOptions = {}): Promise<Evaluator | null> {
    const every = config.metricsEvery
    if (every === 0 || config.steps < every) return null
    const notes: EvaluatorNote[] = []

    if (data.kind === 'points') {
      if (!isToyName(config.dataset)) return null
      return new Evaluator(every, new PointReference(config.dataset), notes)
    }

    const channels = (data.imageShape as [number, number, number])[0] as 1 | 3
    try {
      const classifier = await loadOrTrainClassifier(config.dataset, {
        imageSize: config.imageSize,
        channels,
        dataDir: options.dataDir,
        onProgress: options.onProgress,
      })
      const { info } = classifier
      const accuracy = `${(info.test.accuracy * 100).toFixed(1)}%`
      notes.push({
        message:
          `metrics use the ${info.dataset.name} classifier (${classifier.trained ? `trained in ${info.training.seconds.toFixed(0)} s` : 'cached'}): ` +
          `test accuracy ${accuracy} on ${info.test.count} ${info.test.source}; FD of real images at ${info.floor.count} samples ${info.floor.fd.toFixed(2)}`,
        data: { folder: classifier.folder, accuracy: info.test.accuracy, trained: classifier.trained, floor: info.floor },
      })
      if (classifier.cacheProblem) notes.push({ message: classifier.cacheProblem })
      return new Evaluator(every, new ClassifierReference(classifier), notes)
    } catch (error) {
      const reason = error instanceof ClassifierUnavailableError
        ? error.message
        : `the metrics classifier could not be prepared: ${(error as Error).message}`
      notes.push({ message: `${reason}; evaluations report D accuracy and pixel-space diversity only` })
    }
    const realImages = torch.scope(() => data.batch(realIndices(data.length, PIXEL_DIVERSITY_SAMPLES)).x)
    try {
      return new Evaluator(every, new PixelReference(realImages), notes)
    } finally {
      realImages.dispose()
    }
  }

  /** Returns whether the step just completed gets an evaluation: every `every` steps and at the run's last step. */
  isDue(step: number, totalSteps: number): boolean {
    return step > 0 && (step % this.every === 0 || step === totalSteps)
  }

  /** Evaluates, returning the metrics, or an error message instead of raising so training goes on. */
  run(target: EvaluationTarget): { metrics: EvaluationMetrics; error: string | null } {
    try {
      return { metrics: this.evaluate(target), error: null }
    } catch (error) {
      return { metrics: {}, error: `the evaluation failed: ${(error as Error).message}` }
    }
  }

  /**
   * Generates the evaluation samples in chunks of the training batch size (so batch normalisation
   * normalises over batches of its training size) and measures them. Networks stay in training mode, as for
   * the sample grids, and their batch-norm running statistics are restored afterwards.
   */
  evaluate(target: EvaluationTarget): EvaluationMetrics {
    const started = performance.now()
    const { G, D, config, data } = target
    const count = this.reference.sampleCount
    const chunk = config.batchSize
    const threshold = decisionThreshold(config.loss)
    const classes = G.conditional ? (data.numClasses as number) : 0
    const restore = snapshotBuffers([G, D])
    try {
      const collector = this.reference.start()
      const noise = new torch.Generator(config.seed + NOISE_SEED_OFFSET)
      let fakeCorrect = 0
      for (let start = 0; start < count; start += chunk) {
        const used = Math.min(chunk, count - start)
        torch.scope(() =>
          torch.noGrad(() => {
            const z = torch.randn([chunk, config.model.latentDim], { generator: noise })
            const labelValues = classes > 0 ? Int32Array.from({ length: chunk }, (_, i) => (start + i) % classes) : null
            const labels = labelValues ? torch.tensor(labelValues, { dtype: 'int32' }) : null
            const fake = G.forward(z, labels)
            fakeCorrect += countAtOrBelow(D.forward(fake, labels).toArray(), threshold, used)
            collector.add(used < chunk ? fake.narrow(0, 0, used) : fake, labelValues ? labelValues.subarray(0, used) : null)
          }),
        )
      }
      const realCorrect = this.measureRealAccuracy(target, count, threshold)
      return {
        ...collector.finish(),
        dAccuracyReal: realCorrect / count,
        dAccuracyFake: fakeCorrect / count,
        evaluationSamples: count,
        evaluationSeconds: (performance.now() - started) / 1000,
      }
    } finally {
      restore()
    }
  }

  /** Counts real samples D scores above the threshold, in chunks of the batch size. */
  private measureRealAccuracy(target: EvaluationTarget, count: number, threshold: number): number {
    const { D, config, data } = target
    const chunk = config.batchSize
    const total = Math.ceil(count / chunk) * chunk
    const points = this.reference instanceof PointReference ? this.reference.realPoints : null
    const indices = points ? null : realIndices(data.length, total)
    let correct = 0
    for (let start = 0; start < count; start += chunk) {
      const used = Math.min(chunk, count - start)
      torch.scope(() =>
        torch.noGrad(() => {
          const batch = points
            ? { x: torch.tensor(points.slice(2 * start, 2 * (start + chunk)), { shape: [chunk, 2] }), y: null } // (chunk, 2)
            : data.batch((indices as Int32Array).subarray(start, start + chunk))
          const logits = D.forward(batch.x, batch.y).toArray()
          correct += used - countAtOrBelow(logits, threshold, used)
        }),
      )
    }
    return correct
  }

  dispose(): void {
    this.reference.dispose()
  }
}

/**
 * Returns the score above which D calls a sample real: 0 for logits (BCE, minimax, hinge), 0.5 for LSGAN,
 * whose D regresses to 1 for real and 0 for fake.
 */
export function decisionThreshold(loss: RunConfig['loss']): number {
  return loss === 'lsgan' ? 0.5 : 0
}

function countAtOrBelow(values: ArrayLike<number>, threshold: number, limit: number): number {
  let count = 0
  for (let i = 0; i < limit; i++) if (values[i] <= threshold) count++
  return count
}

/** Returns `count` item indices drawn without replacement while the set is large enough, from a fixed seed. */
function realIndices(length: number, count: number): Int32Array {
  const generator = new torch.Generator(REAL_INDEX_SEED)
  const order = torch.randperm(length, { generator })
  const shuffled = order.toArray() as Int32Array
  order.dispose()
  return Int32Array.from({ length: count }, (_, i) => shuffled[i % length])
}

/**
 * Copies every buffer of the modules (batch-norm running statistics) and returns a function that
 * puts the copies back, so that an evaluation's forward passes leave no trace in checkpoints.
 */
function snapshotBuffers(modules: torch.nn.Module[]): () => void {
  const saved: Array<[Tensor, Tensor]> = []
  for (const module of modules) {
    for (const [, buffer] of module.namedBuffers()) saved.push([buffer, torch.keep(buffer.clone())])
  }
  return () => {
    torch.noGrad(() => {
      for (const [buffer, copy] of saved) buffer.copy_(copy)
    })
    for (const [, copy] of saved) copy.dispose()
  }
}
