import { BatchSampler, loadDataset } from '../datasets'
import type { RunConfig } from './config'
import type { IndexSampler, TrainingData } from './trainer'

/** Loads the run's dataset and makes the sampler that draws its batches (see `createSampler`). */
export async function loadTrainingData(
  config: RunConfig,
  options: { dataDir?: string; onProgress?: (fraction: number, message: string) => void; signal?: AbortSignal },
): Promise<{ data: TrainingData; sampler: IndexSampler }> {
  const dataset = await loadDataset(config.dataset, {
    imageSize: config.imageSize,
    dataDir: options.dataDir,
    signal: options.signal,
    onProgress: options.onProgress ? (progress) => options.onProgress?.(progress.fraction, progress.message) : undefined,
  })
  if (dataset.length < config.batchSize) {
    throw new Error(
      `the dataset ${dataset.summary.name} has ${dataset.length} items, fewer than the batch size ${config.batchSize}; lower the batch size`,
    )
  }
  const data: TrainingData = {
    kind: dataset.kind,
    length: dataset.length,
    numClasses: dataset.numClasses,
    imageShape: dataset.imageShape,
    modes: dataset.modes,
    batch: (indices) => dataset.batch(indices),
  }
  const generated = dataset as Partial<{ getState(): unknown; setState(state: unknown): void }>
  if (generated.getState && generated.setState) {
    data.getState = () => generated.getState?.()
    data.setState = (state) => generated.setState?.(state)
  }
  // A batch size of 0 (picked from the measured speed, see pace.ts) gets its sampler once it is known.
  const sampler = createSampler(data, config.batchSize > 0 ? config.batchSize : Math.min(64, data.length), config.seed)
  return { data, sampler }
}

/**
 * Makes the sampler that draws a run's batches. It is seeded from the run's seed, so the same seed
 * gives the same batches, and its state (with a generated set's own state) goes into every checkpoint.
 */
export function createSampler(data: TrainingData, batchSize: number, seed: number): IndexSampler {
  const batches = new BatchSampler(data.length, batchSize, seed)
  return {
    next: () => batches.next(),
    getState: () => ({ batches: batches.getState(), data: data.getState?.() ?? null }),
    setState: (state) => {
      const saved = state as { batches: ReturnType<BatchSampler['getState']>; data: unknown }
      batches.setState(saved.batches)
      if (saved.data !== null) data.setState?.(saved.data)
    },
  }
}
