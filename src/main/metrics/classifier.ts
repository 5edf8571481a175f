/**
 * The small image classifier whose penultimate layer gives the feature space of the image metrics
 * (Fréchet distance, precision and recall, class histogram), and its training on a labelled set.
 * It is trained with the engine on the user's machine, once per dataset, so the metrics need no
 * downloaded network. Its features are not Inception features: distances computed in them compare
 * runs on the same dataset, not with published FID values.
 */
import * as torch from '../../engine'
import type { Tensor } from '../../engine'
import type { FeatureMatrix } from './linalg'

const { nn } = torch
const F = nn.functional

/** Bump when the layers or the training recipe change, so cached classifiers are retrained. */
export const CLASSIFIER_VERSION = 1
/** Width of the penultimate layer, the feature space of the metrics. */
export const FEATURE_DIM = 64

/** Training recipe: Adam on random batches for a fixed number of steps (about 15 s for 28 px images on wasm on one idle core). */
export const TRAINING = { steps: 300, batchSize: 64, lr: 2e-3, seed: 20_240_601 } as const

/** Images are at most this wide inside the classifier: 64 px inputs are average-pooled 2 x 2 first. */
const MAX_SIDE = 32

/** Labelled images the classifier trains and tests on: `batch` returns x (N, C, H, W) in [-1, 1] and int32 y (N). */
export interface LabelledImages {
  length: number
  batch(indices: Int32Array): { x: Tensor; y: Tensor | null }
}

/**
 * Conv net: stride-2 4x4 convolutions (16, 32, then 32 channels) until the side is 8 or less
 * (28 -> 14 -> 7, 32 -> 16 -> 8), LeakyReLU(0.2) after each, then Linear to 64 features with ReLU
 * (the feature layer), then Linear to the class logits.
 */
export class FeatureClassifier extends nn.Module {
  readonly body: torch.nn.Sequential
  readonly head: torch.nn.Linear
  private readonly pool: boolean

  constructor(readonly imageShape: [number, number, number], readonly numClasses: number) {
    super()
    const [channels, height, width] = imageShape
    if (height !== width || ![28, 32, 64].includes(height)) {
      throw new RangeError(`the metrics classifier takes square 28, 32 or 64 pixel images, got ${height} x ${width}`)
    }
    if (!(Number.isInteger(numClasses) && numClasses >= 2)) {
      throw new RangeError(`the metrics classifier needs at least 2 classes, got ${numClasses}`)
    }
    this.pool = height > MAX_SIDE
    let side = Math.min(height, MAX_SIDE)
    let features = channels
    const widths = [16, 32, 32]
    const layers: torch.nn.Module[] = []
    for (let stage = 0; side > 8; stage++) {
      layers.push(new nn.Conv2d(features, widths[stage], 4, { stride: 2, padding: 1 }), new nn.LeakyReLU(0.2))
      features = widths[stage]
      side /= 2
    }
    layers.push(new nn.Flatten(), new nn.Linear(features * side * side, FEATURE_DIM), new nn.ReLU())
    this.body = new nn.Sequential(...layers)
    this.head = new nn.Linear(FEATURE_DIM, numClasses)
  }

  /** (N, C, H, W) images to (N, 64) features. */
  features(x: Tensor): Tensor {
    const [n, c, h, w] = x.shape
    const input = this.pool ? x.view(n, c, h / 2, 2, w / 2, 2).mean([3, 5]) : x // (N, C, 32, 32) when pooled
    return this.body.forward(input)
  }

  /** (N, C, H, W) images to (N, numClasses) logits. */
  forward(x: Tensor): Tensor {
    return this.head.forward(this.features(x))
  }
}

/** Features and predicted classes from one pass of the classifier over some images. */
export interface ClassifierOutputs {
  features: FeatureMatrix
  predictions: Int32Array
}

/** Runs the classifier on images without recording a graph. The caller disposes `images`. */
export function classify(model: FeatureClassifier, images: Tensor): { features: Float32Array; predictions: Int32Array } {
  return torch.scope(() =>
    torch.noGrad(() => {
      const features = model.features(images) // (N, 64)
      const predictions = model.head.forward(features).argmax(1) // (N)
      return { features: features.toArray() as Float32Array, predictions: predictions.toArray() as Int32Array }
    }),
  )
}

/** Runs the classifier over the given items of a set in chunks, returning features and predictions in order. */
export function classifyItems(model: FeatureClassifier, data: LabelledImages, indices: Int32Array, chunk = 256): ClassifierOutputs & { labels: Int32Array } {
  const values = new Float32Array(indices.length * FEATURE_DIM)
  const predictions = new Int32Array(indices.length)
  const labels = new Int32Array(indices.length)
  for (let start = 0; start < indices.length; start += chunk) {
    const part = indices.subarray(start, Math.min(start + chunk, indices.length))
    torch.scope(() => {
      const batch = data.batch(part)
      const out = classify(model, batch.x)
      values.set(out.features, start * FEATURE_DIM)
      predictions.set(out.predictions, start)
      if (batch.y) labels.set(batch.y.toArray() as Int32Array, start)
    })
  }
  return { features: { rows: indices.length, dim: FEATURE_DIM, values }, predictions, labels }
}

/**
 * Trains a fresh classifier on the given items with the fixed recipe. Weights are initialised from a
 * fixed seed and the engine's default generator is restored afterwards, so training it changes no
 * other random sequence. Yields to the event loop every few steps so a worker stays responsive.
 */
export async function trainClassifier(
  data: LabelledImages,
  trainIndices: Int32Array,
  shape: { imageShape: [number, number, number]; numClasses: number },
  onProgress?: (fraction: number) => void,
): Promise<FeatureClassifier> {
  if (trainIndices.length < TRAINING.batchSize) {
    throw new RangeError(`the metrics classifier needs at least ${TRAINING.batchSize} training images, got ${trainIndices.length}`)
  }
  const saved = torch.defaultGenerator.getState()
  torch.manualSeed(TRAINING.seed)
  const model = new FeatureClassifier(shape.imageShape, shape.numClasses)
  torch.defaultGenerator.setState(saved)

  const optimizer = new torch.optim.Adam(model.parameters(), { lr: TRAINING.lr })
  const order = new torch.Generator(TRAINING.seed)
  try {
    for (let step = 0; step < TRAINING.steps; step++) {
      torch.scope(() => {
        const indices = Int32Array.from({ length: TRAINING.batchSize }, () => trainIndices[order.nextInt(trainIndices.length)])
        const batch = data.batch(indices)
        if (!batch.y) throw new Error('the metrics classifier needs class labels, but the batch has none')
        const loss = F.crossEntropy(model.forward(batch.x), batch.y)
        optimizer.zeroGrad()
        loss.backward()
        optimizer.step()
      })
      if (step % 10 === 9) {
        onProgress?.((step + 1) / TRAINING.steps)
        await new Promise((resolve) => setImmediate(resolve))
      }
    }
  } finally {
    optimizer.dispose()
  }
  model.zeroGrad()
  return model
}

/** Disposes a classifier's weights. */
export function disposeClassifier(model: FeatureClassifier): void {
  for (const p of model.parameters()) {
    p.grad = null
    p.dispose()
  }
}
