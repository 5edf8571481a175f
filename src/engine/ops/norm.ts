import { tf } from '../tf'
import type { Handle } from '../tf'
import { EngineError, formatShape } from '../errors'
import { K } from '../kernels'
import { record } from '../autograd/function'
import { noGrad } from '../autograd/grad-mode'
import { type Tensor, scalarHandle } from '../tensor'

function requireChannelVector(tensor: Tensor | null, name: string, channels: number): void {
  if (tensor !== null && tensor.numel() !== channels) {
    throw new EngineError(
      'SHAPE_MISMATCH',
      `${name} should contain ${channels} elements not ${tensor.numel()}: batch_norm takes one value per ` +
        `channel (dimension 1 of the input), but ${name} has shape ${formatShape(tensor.shape)}`,
    )
  }
}

/**
 * Updates the running statistics in place, as PyTorch does in training: an exponential moving
 * average with factor `momentum`, taking the UNBIASED batch variance (divided by M - 1) for the
 * variance, although the batch itself is normalised with the biased one.
 */
function updateRunningStats(
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  mean: Handle,
  variance: Handle,
  count: number,
  momentum: number,
): void {
  const keep = scalarHandle(1 - momentum)
  const blend = scalarHandle(momentum)
  noGrad(() => {
    runningMean?._inplace('batch_norm running_mean', (current) =>
      K.add(K.mul(current, keep), K.mul(K.reshape(mean, current.shape), blend)),
    )
    runningVar?._inplace('batch_norm running_var', (current) => {
      const unbiased = K.mul(K.reshape(variance, current.shape), scalarHandle(count / Math.max(count - 1, 1)))
      return K.add(K.mul(current, keep), K.mul(unbiased, blend))
    })
  })
}

/**
 * Batch normalisation over dimension 1 of x (N, C) or (N, C, *), as PyTorch's batch_norm.
 * In training it normalises with the batch mean and biased variance and, when given, updates
 * `runningMean` and `runningVar` in place; otherwise it normalises with the running statistics.
 * `momentum` is the weight of the new batch in the running average.
 */
export function batchNorm(
  x: Tensor,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  weight: Tensor | null = null,
  bias: Tensor | null = null,
  training = false,
  momentum = 0.1,
  eps = 1e-5,
): Tensor {
  const shape = x.shape
  if (shape.length < 2) {
    throw new EngineError(
      'SHAPE_MISMATCH',
      `batch_norm expects an input of shape (N, C) or (N, C, *), but got ${formatShape(shape)}`,
    )
  }
  const channels = shape[1]
  requireChannelVector(runningMean, 'running_mean', channels)
  requireChannelVector(runningVar, 'running_var', channels)
  requireChannelVector(weight, 'weight', channels)
  requireChannelVector(bias, 'bias', channels)
  const axes = shape.map((_, i) => i).filter((i) => i !== 1) // every axis but the channel axis
  const count = axes.reduce((n, axis) => n * shape[axis], 1) // values per channel
  const channelShape = shape.map((size, i) => (i === 1 ? size : 1)) // (1, C, 1, 1)
  if (training && count <= 1) {
    throw new EngineError(
      'INVALID_ARGUMENT',
      `Expected more than 1 value per channel when training, got input size ${formatShape(shape)}: the batch ` +
        'variance of a single value is undefined. Use a batch of at least 2, or call eval() on the module.',
    )
  }
  if (!training && (runningMean === null || runningVar === null)) {
    throw new EngineError(
      'INVALID_ARGUMENT',
      'batch_norm in evaluation mode needs running_mean and running_var: pass them, or pass training=true ' +
        'to normalise with the batch statistics',
    )
  }

  // Statistics first, because the running averages must be updated outside a tidy that would free them.
  const stats = tf.tidy((): { center: Handle; variance: Handle; deviation?: Handle } => {
    if (!training) {
      return {
        center: K.reshape((runningMean as Tensor).value, channelShape),
        variance: K.reshape((runningVar as Tensor).value, channelShape),
      }
    }
    const center = K.div(K.sum(x.value, axes, true), scalarHandle(count)) // (1, C, 1, 1)
    const deviation = K.sub(x.value, center)
    const variance = K.div(K.sum(K.square(deviation), axes, true), scalarHandle(count)) // biased
    return { center, variance, deviation }
  })
  if (training) updateRunningStats(runningMean, runningVar, stats.center, stats.variance, count, momentum)

  const { out, normalized, invStd } = tf.tidy(() => {
    const invStd = K.div(scalarHandle(1), K.sqrt(K.add(stats.variance, scalarHandle(eps)))) // (1, C, 1, 1)
    const normalized = K.mul(stats.deviation ?? K.sub(x.value, stats.center), invStd) // x̂, the shape of x
    const scaled = weight ? K.mul(normalized, K.reshape(weight.value, channelShape)) : normalized
    const out = bias ? K.add(scaled, K.reshape(bias.value, channelShape)) : scaled
    // Backward owns x̂ and frees it on release, so it must not be the output's own buffer.
    return { out, normalized: out === normalized ? K.clone(normalized) : normalized, invStd }
  })
  stats.center.dispose()
  stats.variance.dispose()
  stats.deviation?.dispose()

  const result = record(out, {
    name: 'NativeBatchNormBackward0',
    inputs: [x, weight, bias],
    save: () => [{ owned: normalized }, { owned: invStd }, ...(weight ? [weight] : [])],
    backward: (g, [xHat, inv, w], needs) => {
      // Per-channel sums of g and g * x̂ serve the bias and weight gradients and, since dx̂ = g * w
      // with w constant per channel, the batch-statistics terms of dx as well.
      const needSumG = needs[2] || (needs[0] && training)
      const needSumGX = needs[1] || (needs[0] && training)
      const sumG = needSumG ? K.sum(g, axes, true) : null // (1, C, 1, 1)
      const sumGX = needSumGX ? K.sum(K.mul(g, xHat), axes, true) : null
      let gradX: Handle | null = null
      if (needs[0]) {
        const scale = w ? K.mul(inv, K.reshape(w, channelShape)) : inv // invStd * w, per channel
        if (training) {
          // The batch statistics depend on x too: dx = invStd * w * (g - mean(g) - x̂ * mean(g * x̂)).
          const meanG = K.div(sumG as Handle, scalarHandle(count))
          const meanGX = K.div(sumGX as Handle, scalarHandle(count))
          gradX = K.mul(K.sub(K.sub(g, meanG), K.mul(xHat, meanGX)), scale)
        } else {
          gradX = K.mul(g, scale)
        }
      }
      return [
        gradX,
        needs[1] ? K.reshape(sumGX as Handle, [channels]) : null,
        needs[2] ? K.reshape(sumG as Handle, [channels]) : null,
      ]
    },
  })
  // Without a graph, nothing took ownership of the intermediates.
  if (!result.requiresGrad) {
    normalized.dispose()
    invStd.dispose()
  }
  return result
}
