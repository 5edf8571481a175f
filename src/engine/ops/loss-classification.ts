import { tf } from '../tf'
import type { Handle } from '../tf'
import { EngineError, formatShape } from '../errors'
import { K } from '../kernels'
import { record } from '../autograd/function'
import { type Tensor, fromHandle, sameShape, scalarHandle } from '../tensor'
import { logSoftmax } from './activation'
import { type CrossEntropyOptions, type NllLossOptions, type Reduction, checkReduction } from './loss'

/** The layout of a classification input: C classes on dimension 1 (dimension 0 for one sample). */
interface ClassLayout {
  classes: number
  /** Rows once the class axis is moved last and the rest flattened: N times the spatial sizes. */
  rows: number
  /** Permutation moving the class axis last, or null when it already is. */
  toClassLast: number[] | null
  /** The shape the targets must have. */
  targetShape: number[]
}

function classLayout(input: Tensor, op: string): ClassLayout {
  const shape = input.shape
  if (shape.length === 0) {
    throw new EngineError('SHAPE_MISMATCH', `${op}: the input must have a class dimension, but it is a scalar`)
  }
  if (shape.length === 1) return { classes: shape[0], rows: 1, toClassLast: null, targetShape: [] }
  const classes = shape[1]
  const targetShape = shape.filter((_, i) => i !== 1)
  const rows = targetShape.reduce((n, d) => n * d, 1)
  const toClassLast = shape.length === 2 ? null : [0, ...shape.slice(2).map((_, i) => i + 2), 1]
  return { classes, rows, toClassLast, targetShape }
}

/** Checks class-index targets: int32, the input's shape without the class axis, each in range or ignored. */
function requireClassTargets(target: Tensor, layout: ClassLayout, inputShape: number[], ignoreIndex: number, op: string): void {
  if (target.dtype !== 'int32') {
    throw new EngineError(
      'INVALID_ARGUMENT',
      `${op}: expected the target to be int32 class indices, but got ${target.dtype} of shape ` +
        `${formatShape(target.shape)}. Make class indices with { dtype: 'int32' }; cross_entropy also takes ` +
        `float32 class probabilities of the input's shape ${formatShape(inputShape)}.`,
    )
  }
  if (!sameShape(target.shape, layout.targetShape)) {
    const batchDiffers = inputShape.length === 2 && target.ndim === 1
    throw new EngineError(
      'SHAPE_MISMATCH',
      batchDiffers
        ? `${op}: Expected input batch_size (${inputShape[0]}) to match target batch_size (${target.shape[0]}).`
        : `${op}: size mismatch (got input: ${formatShape(inputShape)}, target: ${formatShape(target.shape)}); ` +
            `the target must have shape ${formatShape(layout.targetShape)}, the input's without the class dimension`,
    )
  }
  // Reading the targets back costs one small transfer; an index past the classes would otherwise
  // pick nothing and give a silently wrong loss.
  const values = K.read(target.value)
  for (const value of values) {
    if (value !== ignoreIndex && (value < 0 || value >= layout.classes)) {
      throw new EngineError(
        'INVALID_ARGUMENT',
        `${op}: Target ${value} is out of bounds: the input has ${layout.classes} classes, so targets must be in [0, ${layout.classes - 1}]` +
          (ignoreIndex === -100 ? '' : ` or equal ignoreIndex ${ignoreIndex}`),
      )
    }
  }
}

function requireClassWeight(weight: Tensor | null, classes: number, op: string): void {
  if (weight !== null && (weight.ndim !== 1 || weight.shape[0] !== classes)) {
    throw new EngineError(
      'SHAPE_MISMATCH',
      `${op}: weight tensor should be defined either for all ${classes} classes or no classes but got weight ` +
        `tensor of shape: ${formatShape(weight.shape)}`,
    )
  }
}

/** (rows, C): the weight of each row's target class at that class, 0 elsewhere and on ignored rows. */
function targetMask(target: Tensor, layout: ClassLayout, weight: Tensor | null, ignoreIndex: number): Handle {
  return tf.tidy(() => {
    const flat = K.reshape(target.value, [layout.rows])
    const oneHot = K.cast(K.oneHot(flat, layout.classes), 'float32') // ignored indices outside [0, C) give a zero row
    const counted = K.cast(K.reshape(K.equal(flat, K.fill([], ignoreIndex, 'int32')), [layout.rows, 1]), 'float32')
    const mask = K.mul(oneHot, K.sub(scalarHandle(1), counted))
    return weight ? K.mul(mask, weight.value) : mask
  })
}

/** The input as (rows, C), class axis last. */
function classRows(x: Handle, layout: ClassLayout): Handle {
  return tf.tidy(() => K.reshape(layout.toClassLast ? K.transpose(x, layout.toClassLast) : x, [layout.rows, layout.classes]))
}

/**
 * Negative log likelihood of class-index targets given log-probabilities: input (N, C), (C) or
 * (N, C, d1, ...), int32 target of the input's shape without dimension 1. The 'mean' divides by the
 * summed weights of the targets, as PyTorch does, and is NaN when every target is ignored.
 */
export function nllLoss(input: Tensor, target: Tensor, options: NllLossOptions = {}): Tensor {
  const op = 'nll_loss'
  const reduction = checkReduction(options.reduction, op)
  const ignoreIndex = options.ignoreIndex ?? -100
  const weight = options.weight ?? null
  const inputShape = input.shape
  const layout = classLayout(input, op)
  requireClassTargets(target, layout, inputShape, ignoreIndex, op)
  requireClassWeight(weight, layout.classes, op)

  const mask = targetMask(target, layout, weight, ignoreIndex) // (rows, C)
  // For 'mean', the summed weights of the counted targets.
  const total = reduction === 'mean' ? K.sum(mask, null, false) : null
  const out = tf.tidy(() => {
    const picked = K.neg(K.sum(K.mul(mask, classRows(input.value, layout)), [1], false)) // (rows)
    if (reduction === 'none') return K.reshape(picked, layout.targetShape)
    const summed = K.sum(picked, null, false)
    return total ? K.div(summed, total) : summed
  })

  const result = record(out, {
    name: inputShape.length <= 2 ? 'NllLossBackward0' : 'NllLoss2DBackward0',
    inputs: [input],
    save: () => [{ owned: mask }, ...(total ? [{ owned: total }] : [])],
    backward: (g, [savedMask, savedTotal]) => {
      let scale: Handle = reduction === 'none' ? K.reshape(g, [layout.rows, 1]) : g
      if (savedTotal) scale = K.div(scale, savedTotal)
      const rowsGrad = K.neg(K.mul(savedMask, scale)) // (rows, C)
      if (!layout.toClassLast) return [K.reshape(rowsGrad, inputShape)]
      const classLastShape = layout.toClassLast.map((axis) => inputShape[axis])
      const inverse = layout.toClassLast.map((_, i) => layout.toClassLast!.indexOf(i))
      return [K.transpose(K.reshape(rowsGrad, classLastShape), inverse)]
    },
  })
  if (!result.requiresGrad) {
    mask.dispose()
    total?.dispose()
  }
  return result
}

function checkLabelSmoothing(value: number): number {
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
    throw new EngineError('INVALID_ARGUMENT', `label_smoothing must be between 0.0 and 1.0. Got: ${value}`)
  }
  return value
}

/** The weight reshaped to broadcast along the class axis of an input of `rank` dimensions. */
function classWeightView(weight: Tensor, rank: number): Tensor {
  return rank <= 2 ? weight : weight.reshape([weight.numel(), ...Array<number>(rank - 2).fill(1)])
}

function reduceTensor(losses: Tensor, reduction: Reduction): Tensor {
  if (reduction === 'none') return losses
  return reduction === 'sum' ? losses.sum() : losses.mean()
}

/**
 * Cross entropy of logits (N, C), (C) or (N, C, d1, ...): log_softmax over the class dimension then
 * nll_loss, recorded as NllLossBackward0 after LogSoftmaxBackward0 as in PyTorch. The target is
 * either int32 class indices or float32 class probabilities of the input's shape. With label
 * smoothing, the loss is (1 - s) * nll + s / C * (the loss against the uniform distribution), PyTorch's
 * formula, built from differentiable ops.
 */
export function crossEntropy(input: Tensor, target: Tensor, options: CrossEntropyOptions = {}): Tensor {
  const op = 'cross_entropy'
  const reduction = checkReduction(options.reduction, op)
  const smoothing = checkLabelSmoothing(options.labelSmoothing ?? 0)
  const weight = options.weight ?? null
  const layout = classLayout(input, op)
  requireClassWeight(weight, layout.classes, op)
  const classDim = input.ndim === 1 ? 0 : 1
  const logProbs = logSoftmax(input, classDim)
  const weighted = weight ? logProbs.mul(classWeightView(weight, input.ndim)) : logProbs

  if (target.dtype === 'float32' && sameShape(target.shape, input.shape)) {
    // Class probabilities: -sum_c w_c * t_c * log p_c per position, the mean taken over positions.
    const smoothed = smoothing > 0 ? target.mul(1 - smoothing).add(smoothing / layout.classes) : target
    const losses = weighted.mul(smoothed).sum(classDim).neg()
    if (reduction !== 'mean') return reduceTensor(losses, reduction)
    return losses.sum().div(layout.rows)
  }

  const ignoreIndex = options.ignoreIndex ?? -100
  const nll = nllLoss(logProbs, target, { weight, reduction, ignoreIndex })
  if (smoothing === 0) return nll

  const ignored = fromHandle(tf.tidy(() => K.cast(K.equal(target.value, K.fill([], ignoreIndex, 'int32')), 'float32')))
  const counted = ignored.neg().add(1) // 1 where the target counts, 0 where it is ignored
  const uniformLosses = weighted.sum(classDim).neg().mul(counted) // the shape of the target
  let uniform: Tensor
  if (reduction === 'none') {
    uniform = uniformLosses
  } else if (reduction === 'sum') {
    uniform = uniformLosses.sum()
  } else {
    // The mean divides by the summed weights of the counted targets, as nll_loss's does.
    const mask = targetMask(target, layout, weight, ignoreIndex)
    const denominator = fromHandle(K.sum(mask, null, false))
    mask.dispose()
    uniform = uniformLosses.sum().div(denominator)
  }
  return nll.mul(1 - smoothing).add(uniform.mul(smoothing / layout.classes))
}
