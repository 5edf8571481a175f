import { BatchSampler, loadDataset } from '../datasets'
import type { RunConfig } from './config'
import type { IndexSampler, TrainingData } from './trainer'

/**
 * Loads the run's dataset and makes the sampler that draws its batches. The sampler is seeded from the
 * run's seed, so the same seed gives the same batches, and its state goes into every checkpoint.
 */
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
  const batches = new BatchSampler(dataset.length, config.batchSize, config.seed)
  // The checkpointed sampler state covers the batch order and, for generated sets, the data generator.
  const sampler: IndexSampler = {
    next: () => batches.next(),
    getState: () => ({ batches: batches.getState(), data: data.getState?.() ?? null }),
    setState: (state) => {
      const saved = state as { batches: ReturnType<BatchSampler['getState']>; data: unknown }
      batches.setState(saved.batches)
      if (saved.data !== null) data.setState?.(saved.data)
    },
  }
  return { data, sampler }
}
