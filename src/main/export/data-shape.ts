import type { NamedArray } from '../serialization/safetensors'
import { isConditional, type RunConfig } from '../trainer/config'
import type { DataShape } from '../trainer/models'
import { ExportError } from './errors'

/**
 * Reads what the generator was built for (images or points, channels, classes) from its weights, so
 * exports need neither the dataset nor its download. The last layer with a weight in `body` is a
 * Linear (out_features = C * H * W, or 2 for points) in the MLP presets and a ConvTranspose2d (weight
 * (in, C, kH, kW)) in the DCGAN presets; a conditional generator's labelEmbedding has one row per class.
 */
export function inferDataShape(config: RunConfig, weights: Record<string, NamedArray>, source: string): DataShape {
  const layerWeights = Object.entries(weights)
    .map(([key, array]) => ({ match: /^body\.(\d+)\.weight$/.exec(key), array }))
    .filter((entry) => entry.match !== null && entry.array.shape.length >= 2)
    .sort((a, b) => Number(a.match?.[1]) - Number(b.match?.[1]))
  const last = layerWeights[layerWeights.length - 1]
  if (!last) throw new ExportError('INVALID_ARGUMENT', `${source} has no body.N.weight tensors; it is not a generator saved by this app`)

  const size = config.imageSize
  let shape: DataShape['imageShape'] = null
  if (last.array.shape.length === 4) {
    shape = [last.array.shape[1], size, size]
  } else if (last.array.shape[0] !== 2) {
    const channels = last.array.shape[0] / (size * size)
    if (channels !== 1 && channels !== 3) {
      throw new ExportError(
        'INVALID_ARGUMENT',
        `${source} ends in ${last.array.shape[0]} outputs, which is not 1 or 3 channels of ${size}x${size} pixels (the run's image size)`,
      )
    }
    shape = [channels, size, size]
  }

  let numClasses: number | null = null
  if (isConditional(config)) {
    const embedding = weights['labelEmbedding.weight']
    if (!embedding) throw new ExportError('INVALID_ARGUMENT', `${source} lacks labelEmbedding.weight, which the ${config.model.preset} preset needs`)
    numClasses = embedding.shape[0]
  }
  return { kind: shape ? 'image' : 'points', imageShape: shape, numClasses }
}
