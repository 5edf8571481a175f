import { tf } from '../tf'
import type { Handle } from '../tf'
import { EngineError, formatShape } from '../errors'
import { K } from '../kernels'
import { record } from '../autograd/function'
import { type Tensor, fromHandle, sameShape, scalarHandle } from '../tensor'
import { broadcastShapes } from './broadcast'

/** How the element-wise losses are combined: averaged, summed, or returned as they are. */
export type Reduction = 'mean' | 'sum' | 'none'

export interface LossOptions {
  reduction?: Reduction
}

export interface WeightedLossOptions extends LossOptions {
  /** A rescaling weight, broadcast against the input. */
  weight?: Tensor | null
}

export interface BceWithLogitsOptions extends WeightedLossOptions {
  /** The weight of positive examples, broadcast against the input (usually one value per class). */
  posWeight?: Tensor | null
}

export interface NllLossOptions extends LossOptions {
  /** A weight per class, of shape (C). */
  weight?: Tensor | null
  /** Targets equal to this value add nothing to the loss nor to the mean's denominator. */
  ignoreIndex?: number
}

export interface CrossEntropyOptions extends NllLossOptions {
  /** Mixes the target with the uniform distribution over classes: 0 is none, 1 is all uniform. */
  labelSmoothing?: number
}

/** Validates `reduction`, defaulting to 'mean'. */
export function checkReduction(reduction: unknown, op: string): Reduction {
  if (reduction === undefined) return 'mean'
  if (reduction === 'mean' || reduction === 'sum' || reduction === 'none') return reduction
  throw new EngineError('INVALID_ARGUMENT', `${op}: ${JSON.stringify(reduction)} is not a valid value for reduction; use 'mean', 'sum' or 'none'`)
}

/**
 * Rejects a target whose shape differs from the input's. PyTorch only warns for mse_loss and
 * l1_loss and then broadcasts, which silently compares every input with every target when a
 * discriminator's (N, 1) output meets an (N) target; the engine raises instead.
 */
export function requireSameShape(input: Tensor, target: Tensor, op: string): void {
  if (!sameShape(input.shape, target.shape)) {
    throw new EngineError(
      'SHAPE_MISMATCH',
      `${op}: Using a target size (${formatShape(target.shape)}) that is different to the input size ` +
        `(${formatShape(input.shape)}). Please ensure they have the same size, for example with ` +
        `target.view(${input.shape.join(', ')}) or input.squeeze(1).`,
    )
  }
}

export function requireFloat(tensor: Tensor, name: string, op: string): void {
  if (tensor.dtype !== 'float32') {
    throw new EngineError(
      'INVALID_ARGUMENT',
      `${op}: expected ${name} to be float32, but got ${tensor.dtype}. Convert it with .float().`,
    )
  }
}

function requireBroadcastsTo(tensor: Tensor | null | undefined, shape: number[], name: string, op: string): void {
  if (!tensor) return
  const joint = broadcastShapes(tensor.shape, shape)
  if (!sameShape(joint, shape)) {
    throw new EngineError(
      'SHAPE_MISMATCH',
      `${op}: ${name} of shape ${formatShape(tensor.shape)} does not broadcast to the input's shape ${formatShape(shape)}`,
    )
  }
}

/** Combines element-wise losses (disposing them unless returned as they are). */
export function reduce(losses: Handle, reduction: Reduction): Handle {
  if (reduction === 'none') return losses
  const total = K.sum(losses, null, false)
  if (reduction === 'sum') {
    losses.dispose()
    return total
  }
  const mean = K.div(total, scalarHandle(losses.size))
  losses.dispose()
  total.dispose()
  return mean
}

/** The incoming gradient as seen by each element: itself for 'none' and 'sum', divided by n for 'mean'. */
export function elementGrad(g: Handle, reduction: Reduction, count: number): Handle {
  return reduction === 'mean' ? K.div(g, scalarHandle(count)) : g
}

/** Mean squared error, (input - target)^2 reduced. */
export function mseLoss(input: Tensor, target: Tensor, options: LossOptions = {}): Tensor {
  const reduction = checkReduction(options.reduction, 'mse_loss')
  requireSameShape(input, target, 'mse_loss')
  requireFloat(target, 'target', 'mse_loss')
  const count = input.numel()
  const out = tf.tidy(() => reduce(K.square(K.sub(input.value, target.value)), reduction))
  return record(out, {
    name: 'MseLossBackward0',
    inputs: [input, target],
    save: () => [input, target],
    backward: (g, [x, t], needs) => {
      const grad = K.mul(K.sub(x, t), K.mul(elementGrad(g, reduction, count), scalarHandle(2)))
      return [needs[0] ? grad : null, needs[1] ? K.neg(grad) : null]
    },
  })
}

/** Mean absolute error, |input - target| reduced; composed of sub, abs and mean as in PyTorch 1.13. */
export function l1Loss(input: Tensor, target: Tensor, options: LossOptions = {}): Tensor {
  const reduction = checkReduction(options.reduction, 'l1_loss')
  requireSameShape(input, target, 'l1_loss')
  requireFloat(target, 'target', 'l1_loss')
  const losses = input.sub(target).abs()
  if (reduction === 'none') return losses
  return reduction === 'sum' ? losses.sum() : losses.mean()
}

/**
 * Binary cross entropy of probabilities: -w * (t * log(p) + (1 - t) * log(1 - p)). Each log is
 * clamped at -100, as PyTorch does, so p = 0 or 1 gives a loss of 100 rather than infinity or NaN.
 *
 * NOTE: PyTorch rejects probabilities outside [0, 1]; checking that here would read the input back
 * from the device on every call, so values outside give NaN instead.
 */
export function binaryCrossEntropy(input: Tensor, target: Tensor, options: WeightedLossOptions = {}): Tensor {
  const op = 'binary_cross_entropy'
  const reduction = checkReduction(options.reduction, op)
  requireSameShape(input, target, op)
  requireFloat(target, 'target', op)
  const weight = options.weight ?? null
  requireBroadcastsTo(weight, input.shape, 'weight', op)
  const count = input.numel()
  const out = tf.tidy(() => {
    const p = input.value
    const t = target.value
    const floor = scalarHandle(-100)
    const logP = K.maximum(K.log(p), floor)
    const logNotP = K.maximum(K.log1p(K.neg(p)), floor)
    const positive = K.mul(t, logP)
    const negative = K.mul(K.sub(scalarHandle(1), t), logNotP)
    const losses = K.neg(K.add(positive, negative))
    return reduce(weight ? K.mul(losses, weight.value) : losses, reduction)
  })
  return record(out, {
    name: 'BinaryCrossEntropyBackward0',
    inputs: [input, target],
    save: () => (weight ? [input, target, weight] : [input, target]),
    backward: (g, [p, t, w], needs) => {
      let scale = elementGrad(g, reduction, count)
      if (w) scale = K.mul(scale, w)
      let gradInput: Handle | null = null
      if (needs[0]) {
        // d/dp = (p - t) / (p (1 - p)), with the denominator kept from 0 as PyTorch does (eps 1e-12).
        const denominator = K.maximum(K.mul(p, K.sub(scalarHandle(1), p)), scalarHandle(1e-12))
        gradInput = K.mul(scale, K.div(K.sub(p, t), denominator))
      }
      // d/dt = log(1 - p) - log(p), the negative logit, unclamped as in PyTorch.
      const gradTarget = needs[1] ? K.mul(scale, K.sub(K.log1p(K.neg(p)), K.log(p))) : null
      return [gradInput, gradTarget]
    },
  })
}

/**
 * Binary cross entropy of logits x, sigmoid and BCE in one stable expression:
 * w * ((1 - t) * x + l * softplus(-x)) with l = 1 + (posWeight - 1) * t. Without posWeight this is
 * max(x, 0) - x * t + log1p(exp(-|x|)), finite for any x.
 */
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, options: BceWithLogitsOptions = {}): Tensor {
  const op = 'binary_cross_entropy_with_logits'
  const reduction = checkReduction(options.reduction, op)
  if (!sameShape(input.shape, target.shape)) {
    throw new EngineError(
      'SHAPE_MISMATCH',
      `${op}: Target size (${formatShape(target.shape)}) must be the same as input size (${formatShape(input.shape)})`,
    )
  }
  requireFloat(target, 'target', op)
  const weight = options.weight ?? null
  const posWeight = options.posWeight ?? null
  requireBroadcastsTo(weight, input.shape, 'weight', op)
  requireBroadcastsTo(posWeight, input.shape, 'posWeight', op)
  const count = input.numel()
  const one = scalarHandle(1)
  // l = 1 + (posWeight - 1) * t, the weight of the log-sigmoid term; null means 1.
  const logWeight = (t: Handle, pw: Handle | undefined): Handle | null =>
    pw ? K.add(one, K.mul(K.sub(pw, one), t)) : null

  const out = tf.tidy(() => {
    const x = input.value
    const t = target.value
    const softplusNeg = K.softplus(K.neg(x)) // -log(sigmoid(x))
    const l = logWeight(t, posWeight?.value)
    const losses = K.add(K.mul(K.sub(one, t), x), l ? K.mul(l, softplusNeg) : softplusNeg)
    return reduce(weight ? K.mul(losses, weight.value) : losses, reduction)
  })
  return record(out, {
    name: 'BinaryCrossEntropyWithLogitsBackward0',
    inputs: [input, target],
    save: () => [input, target, ...(weight ? [weight] : []), ...(posWeight ? [posWeight] : [])],
    backward: (g, saved, needs) => {
      const [x, t] = saved
      const w = weight ? saved[2] : undefined
      const pw = posWeight ? saved[weight ? 3 : 2] : undefined
      let scale = elementGrad(g, reduction, count)
      if (w) scale = K.mul(scale, w)
      const l = logWeight(t, pw)
      let gradInput: Handle | null = null
      if (needs[0]) {
        // d/dx = (1 - t) - l * sigmoid(-x); sigmoid(x) - t when l = 1.
        const sigmoidNeg = K.sigmoid(K.neg(x))
        gradInput = K.mul(scale, K.sub(K.sub(one, t), l ? K.mul(l, sigmoidNeg) : sigmoidNeg))
      }
      let gradTarget: Handle | null = null
      if (needs[1]) {
        // d/dt = -x + (posWeight - 1) * softplus(-x).
        const slope = pw ? K.add(K.neg(x), K.mul(K.sub(pw, one), K.softplus(K.neg(x)))) : K.neg(x)
        gradTarget = K.mul(scale, slope)
      }
      return [gradInput, gradTarget]
    },
  })
}

export { nllLoss, crossEntropy } from './loss-classification'
