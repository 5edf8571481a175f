import type { Handle } from '../tf'
import { EngineError, formatShape } from '../errors'
import { K } from '../kernels'

/** The broadcast shape of `a` and `b` by NumPy's rules, or an error naming both shapes. */
export function broadcastShapes(a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length)
  const out = new Array<number>(rank)
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1
    const db = b[b.length - rank + i] ?? 1
    if (da !== db && da !== 1 && db !== 1) {
      throw new EngineError(
        'SHAPE_MISMATCH',
        `The size of tensor a (${da}) must match the size of tensor b (${db}) at non-singleton dimension ${i}: ` +
          `shapes ${formatShape(a)} and ${formatShape(b)} cannot be broadcast together`,
      )
    }
    out[i] = da === 1 ? db : da
  }
  return out
}

/**
 * Sums `grad` down to `shape`, undoing a broadcast: over the leading dimensions that `shape` lacks
 * and over the dimensions where `shape` has size 1. Returns `grad` itself when nothing was broadcast.
 */
export function unbroadcast(grad: Handle, shape: readonly number[]): Handle {
  const gradShape = grad.shape
  if (gradShape.length === shape.length && gradShape.every((size, i) => size === shape[i])) return grad
  const lead = gradShape.length - shape.length
  const axes: number[] = []
  for (let i = 0; i < gradShape.length; i++) {
    if (i < lead || (shape[i - lead] === 1 && gradShape[i] !== 1)) axes.push(i)
  }
  const summed = axes.length > 0 ? K.sum(grad, axes, false) : grad
  return K.reshape(summed, shape)
}
