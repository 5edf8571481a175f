/**
 * The keys under which an evaluation stores its numbers in `MetricRecord.extra`, with a label and a
 * one-line description of each, for the charts, the command line and run rankings. Only the row of
 * an evaluated step carries them.
 */

/** The numbers of one evaluation, as stored in `MetricRecord.extra`. */
export type EvaluationMetrics = Record<string, number | null>

export interface MetricDescription {
  label: string
  description: string
  /** Which direction is better, or null where neither is (counts, settings). */
  better: 'lower' | 'higher' | null
}

/** Prefix of the class histogram keys: `classShare.3` is the share of samples classified as class 3. */
export const CLASS_SHARE_PREFIX = 'classShare.'

export const METRICS = {
  fd: {
    label: 'FD (classifier features)',
    description: "Fréchet distance between Gaussians fitted to the classifier's 64 penultimate features of generated and real images",
    better: 'lower',
  },
  fdFloor: {
    label: 'FD of real images',
    description: 'the same distance for as many real held-out images: the value a perfect generator would get at this sample size',
    better: null,
  },
  precision: { label: 'precision', description: 'share of generated samples inside the k-NN manifold of real features (k = 3)', better: 'higher' },
  recall: { label: 'recall', description: 'share of real samples inside the k-NN manifold of generated features (k = 3)', better: 'higher' },
  classesCovered: {
    label: 'classes covered',
    description: 'classes that get at least 10% of their real share of the generated samples',
    better: 'higher',
  },
  labelAccuracy: {
    label: 'label accuracy',
    description: 'conditional models: share of samples the classifier assigns to the class they were generated for',
    better: 'higher',
  },
  classifierAccuracy: { label: 'classifier test accuracy', description: 'accuracy of the metrics classifier on real images it never trained on', better: null },
  modesCovered: { label: 'modes covered', description: 'modes nearest to at least 1% of the samples among high-quality samples', better: 'higher' },
  modesTotal: { label: 'modes', description: 'modes of the toy set', better: null },
  highQualityShare: {
    label: 'high-quality samples',
    description: 'share of samples within 3 standard deviations of their nearest mode',
    better: 'higher',
  },
  klRealFake: {
    label: 'KL(real ‖ fake)',
    description: 'KL divergence in nats between real and generated histograms on a 64 x 64 grid, 1e-5 added per bin',
    better: 'lower',
  },
  jsRealFake: { label: 'JS divergence', description: 'Jensen-Shannon divergence in nats on the same grid; log 2 = 0.693 for disjoint sets', better: 'lower' },
  diversity: {
    label: 'diversity',
    description: 'mean pairwise distance of generated samples divided by that of real ones (features, points or pixels); 1 matches the data',
    better: null,
  },
  dAccuracyReal: { label: 'D accuracy on real', description: 'share of real samples D scores as real', better: null },
  dAccuracyFake: { label: 'D accuracy on fake', description: 'share of generated samples D scores as fake', better: null },
  evaluationSamples: { label: 'samples evaluated', description: 'generated samples behind this evaluation', better: null },
  evaluationSeconds: { label: 'evaluation time (s)', description: 'seconds the evaluation took', better: null },
} as const satisfies Record<string, MetricDescription>

export type MetricKey = keyof typeof METRICS

/** Returns a metric's label. The Fréchet distance is named for the features it uses, e.g. "FD (digits classifier features)". */
export function metricLabel(key: string, datasetName?: string): string {
  if (key === 'fd' && datasetName) return `FD (${datasetName} classifier features)`
  if (key.startsWith(CLASS_SHARE_PREFIX)) return `share of class ${key.slice(CLASS_SHARE_PREFIX.length)}`
  return (METRICS as Record<string, MetricDescription>)[key]?.label ?? key
}

/** Returns the class histogram of an evaluation (share per class index), or null when it has none. */
export function classShares(metrics: EvaluationMetrics): number[] | null {
  const shares: number[] = []
  for (const [key, value] of Object.entries(metrics)) {
    if (!key.startsWith(CLASS_SHARE_PREFIX)) continue
    const index = Number(key.slice(CLASS_SHARE_PREFIX.length))
    if (Number.isInteger(index) && index >= 0) shares[index] = value ?? 0
  }
  return shares.length === 0 ? null : Array.from(shares, (share) => share ?? 0)
}

/** Whether a row's extra values come from an evaluation (every evaluation stores its sample count). */
export function isEvaluation(extra: EvaluationMetrics | undefined | null): extra is EvaluationMetrics {
  return extra !== undefined && extra !== null && typeof extra.evaluationSamples === 'number'
}
