import type { Handle } from '../tf'
import { K } from '../kernels'
import { record } from '../autograd/function'
import { type Tensor, fromHandle, normalizeDim, scalarHandle } from '../tensor'

/** Normalised, sorted, de-duplicated reduction axes; null means every axis. */
function reductionAxes(dim: number | number[] | null, rank: number): number[] {
  if (dim === null) return [...Array(rank).keys()]
  const dims = Array.isArray(dim) ? dim : [dim]
  return [...new Set(dims.map((d) => normalizeDim(d, rank)))].sort((a, b) => a - b)
}

/** The shape of a reduction with keepdim=true: reduced axes become 1. */
function keptShape(shape: readonly number[], axes: readonly number[]): number[] {
  return shape.map((size, i) => (axes.includes(i) ? 1 : size))
}

/** Spreads a reduction's gradient back over the input shape. */
function expandGrad(g: Handle, inputShape: readonly number[], axes: readonly number[]): Handle {
  return K.broadcastTo(K.reshape(g, keptShape(inputShape, axes)), inputShape)
}

export function sum(a: Tensor, dim: number | number[] | null, keepdim: boolean): Tensor {
  const shape = a.shape
  const axes = reductionAxes(dim, shape.length)
  return record(K.sum(a.value, axes, keepdim), {
    name: dim === null ? 'SumBackward0' : 'SumBackward1',
    inputs: [a],
    backward: (g) => [expandGrad(g, shape, axes)],
  })
}

export function mean(a: Tensor, dim: number | number[] | null, keepdim: boolean): Tensor {
  const shape = a.shape
  const axes = reductionAxes(dim, shape.length)
  const count = axes.reduce((n, axis) => n * shape[axis], 1)
  const total = K.sum(a.value, axes, keepdim)
  const out = K.div(total, scalarHandle(count))
  total.dispose()
  return record(out, {
    name: dim === null ? 'MeanBackward0' : 'MeanBackward1',
    inputs: [a],
    backward: (g) => [K.div(expandGrad(g, shape, axes), scalarHandle(count))],
  })
}

/** Max over `axes` whose gradient is split evenly among tied maxima (PyTorch's max() and amax). */
function evenMax(name: string, a: Tensor, axes: number[], keepdim: boolean): Tensor {
  const shape = a.shape
  return record(K.max(a.value, axes, keepdim), {
    name,
    inputs: [a],
    save: () => [a, 'output'],
    backward: (g, [x, out]) => {
      const kept = keptShape(shape, axes)
      const isMax = K.cast(K.equal(x, K.reshape(out, kept)), 'float32')
      const ties = K.sum(isMax, axes, true)
      return [K.div(K.mul(isMax, K.reshape(g, kept)), ties)]
    },
  })
}

export function maxAll(a: Tensor): Tensor {
  return evenMax('MaxBackward1', a, reductionAxes(null, a.ndim), false)
}

export function amax(a: Tensor, dim: number | number[] | null, keepdim: boolean): Tensor {
  return evenMax('AmaxBackward0', a, reductionAxes(dim, a.ndim), keepdim)
}

/** Max along one dimension with its indices; the gradient goes to the index returned, as in PyTorch. */
export function maxDim(a: Tensor, dim: number, keepdim: boolean): { values: Tensor; indices: Tensor } {
  const shape = a.shape
  const axis = normalizeDim(dim, shape.length)
  const indicesHandle = K.argMax(a.value, axis)
  const indexKeep = keepdim ? K.reshape(indicesHandle, keptShape(shape, [axis])) : indicesHandle
  if (indexKeep !== indicesHandle) indicesHandle.dispose()
  const indices = fromHandle(indexKeep, null, false)
  const values = record(K.max(a.value, [axis], keepdim), {
    name: 'MaxBackward0',
    inputs: [a],
    save: () => [indices],
    backward: (g, [index]) => {
      const kept = keptShape(shape, [axis])
      const flatIndex = K.reshape(index, kept.filter((_, i) => i !== axis))
      // oneHot appends the class axis last; move it to `axis`.
      const oneHot = K.cast(K.oneHot(flatIndex, shape[axis]), 'float32')
      const rank = shape.length
      const perm = [...Array(rank - 1).keys()]
      perm.splice(axis, 0, rank - 1)
      const mask = K.transpose(oneHot, perm)
      return [K.mul(mask, K.reshape(g, kept))]
    },
  })
  return { values, indices }
}

export function argmax(a: Tensor, dim: number | undefined, keepdim: boolean): Tensor {
  if (dim === undefined) {
    const flat = K.reshape(a.value, [-1])
    const index = K.argMax(flat, 0)
    flat.dispose()
    return fromHandle(index, null, false)
  }
  return maxDim(a, dim, keepdim).indices
}
