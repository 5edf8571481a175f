import type { Handle } from '../tf'
import { EngineError, check, formatShape } from '../errors'
import { K } from '../kernels'
import { type BackwardFn } from '../autograd/node'
import { record, recordNode } from '../autograd/function'
import { type Tensor, makeView, normalizeDim } from '../tensor'
import { unbroadcast } from './broadcast'

/**
 * A view op: the result shares `a`'s storage and version counter, as PyTorch's views do, and its
 * values are `derive(a's values)`, derived again if the storage later changes in place.
 */
function viewOp(a: Tensor, name: string, derive: (x: Handle) => Handle, backward: BackwardFn): Tensor {
  const value = derive(a.value)
  const node = recordNode({ name, inputs: [a], backward })
  return makeView(a, value, derive, node)
}

/** Resolves one -1 in `shape` and checks the element count, with PyTorch's message. */
export function inferShape(shape: readonly number[], size: number): number[] {
  const unknown = shape.filter((d) => d === -1).length
  check(unknown <= 1, () => `only one dimension can be inferred, got shape ${formatShape(shape)}`)
  const known = shape.reduce((n, d) => (d === -1 ? n : n * d), 1)
  const inferred = known === 0 ? 0 : size / known
  const out = shape.map((d) => (d === -1 ? inferred : d))
  const valid = out.every((d) => Number.isInteger(d) && d >= 0) && out.reduce((n, d) => n * d, 1) === size
  if (!valid) {
    throw new EngineError('SHAPE_MISMATCH', `shape '${formatShape(shape)}' is invalid for input of size ${size}`)
  }
  return out
}

export function reshape(a: Tensor, shape: readonly number[], name = 'ViewBackward0'): Tensor {
  const inputShape = a.shape
  const target = inferShape(shape, a.numel())
  return viewOp(a, name, (x) => K.reshape(x, target), (g) => [K.reshape(g, inputShape)])
}

export function flatten(a: Tensor, startDim = 0, endDim = -1): Tensor {
  const shape = a.shape
  if (shape.length === 0) return reshape(a, [1])
  const start = normalizeDim(startDim, shape.length)
  const end = normalizeDim(endDim, shape.length)
  check(start <= end, () => `flatten() has invalid args: startDim (${startDim}) cannot come after endDim (${endDim})`)
  const merged = shape.slice(start, end + 1).reduce((n, d) => n * d, 1)
  return reshape(a, [...shape.slice(0, start), merged, ...shape.slice(end + 1)])
}

export function unflatten(a: Tensor, dim: number, sizes: readonly number[]): Tensor {
  const shape = a.shape
  const axis = normalizeDim(dim, shape.length)
  const inner = inferShape(sizes, shape[axis])
  return reshape(a, [...shape.slice(0, axis), ...inner, ...shape.slice(axis + 1)])
}

export function squeeze(a: Tensor, dim?: number): Tensor {
  const shape = a.shape
  let target: number[]
  if (dim === undefined) {
    target = shape.filter((d) => d !== 1)
  } else {
    const axis = normalizeDim(dim, shape.length)
    target = shape[axis] === 1 ? shape.filter((_, i) => i !== axis) : shape
  }
  return reshape(a, target, dim === undefined ? 'SqueezeBackward0' : 'SqueezeBackward1')
}

export function unsqueeze(a: Tensor, dim: number): Tensor {
  const shape = a.shape
  const axis = normalizeDim(dim, shape.length + 1)
  return reshape(a, [...shape.slice(0, axis), 1, ...shape.slice(axis)], 'UnsqueezeBackward0')
}

export function permute(a: Tensor, dims: readonly number[]): Tensor {
  const rank = a.ndim
  const perm = dims.map((d) => normalizeDim(d, rank))
  check(
    perm.length === rank && new Set(perm).size === rank,
    () => `permute(${formatShape(dims)}): the number of dims must equal the tensor's (${rank}) and each must appear once`,
  )
  const inverse = new Array<number>(rank)
  perm.forEach((p, i) => (inverse[p] = i))
  return viewOp(a, 'PermuteBackward0', (x) => K.transpose(x, perm), (g) => [K.transpose(g, inverse)])
}

export function transpose(a: Tensor, dim0: number, dim1: number): Tensor {
  const rank = a.ndim
  const d0 = normalizeDim(dim0, rank)
  const d1 = normalizeDim(dim1, rank)
  const perm = [...Array(rank).keys()]
  perm[d0] = d1
  perm[d1] = d0
  return viewOp(a, 'TransposeBackward0', (x) => K.transpose(x, perm), (g) => [K.transpose(g, perm)])
}

/** Transpose of a tensor of at most 2 dimensions, as PyTorch's `t()`. */
export function t(a: Tensor): Tensor {
  check(a.ndim <= 2, () => `t() expects a tensor with <= 2 dimensions, but self is ${a.ndim}D`)
  if (a.ndim < 2) return viewOp(a, 'TBackward0', (x) => K.reshape(x, x.shape), (g) => [g])
  return viewOp(a, 'TBackward0', (x) => K.transpose(x, [1, 0]), (g) => [K.transpose(g, [1, 0])])
}

export function expand(a: Tensor, sizes: readonly number[]): Tensor {
  const shape = a.shape
  check(
    sizes.length >= shape.length,
    () => `expand: the number of sizes provided (${sizes.length}) must be greater or equal to the number of dimensions in the tensor (${shape.length})`,
  )
  const lead = sizes.length - shape.length
  const target = sizes.map((size, i) => (size === -1 ? shape[i - lead] : size))
  target.forEach((size, i) => {
    const own = shape[i - lead]
    if (i >= lead && own !== 1 && own !== size) {
      throw new EngineError(
        'SHAPE_MISMATCH',
        `The expanded size of the tensor (${size}) must match the existing size (${own}) at non-singleton dimension ${i}. ` +
          `Target sizes: ${formatShape(sizes)}. Tensor sizes: ${formatShape(shape)}`,
      )
    }
  })
  return viewOp(a, 'ExpandBackward0', (x) => K.broadcastTo(x, target), (g) => [unbroadcast(g, shape)])
}

/** Elements [start, start + length) along `dim`, a view. */
export function narrow(a: Tensor, dim: number, start: number, length: number): Tensor {
  const shape = a.shape
  const axis = normalizeDim(dim, shape.length)
  const first = start < 0 ? start + shape[axis] : start
  check(
    Number.isInteger(first) && Number.isInteger(length) && first >= 0 && length >= 0 && first + length <= shape[axis],
    () => `narrow(dim=${dim}, start=${start}, length=${length}) is out of range for dimension of size ${shape[axis]}`,
  )
  const begin = shape.map((_, i) => (i === axis ? first : 0))
  const size = shape.map((d, i) => (i === axis ? length : d))
  const paddings = shape.map((d, i): [number, number] => (i === axis ? [first, d - first - length] : [0, 0]))
  return viewOp(a, 'SliceBackward0', (x) => K.slice(x, begin, size), (g) => [K.pad(g, paddings)])
}

/** Returns the slice at `index` along `dim` as a view, with that dimension removed. */
export function select(a: Tensor, dim: number, index: number): Tensor {
  const shape = a.shape
  const axis = normalizeDim(dim, shape.length)
  const position = index < 0 ? index + shape[axis] : index
  if (!Number.isInteger(position) || position < 0 || position >= shape[axis]) {
    throw new EngineError(
      'INVALID_ARGUMENT',
      `index ${index} is out of bounds for dimension ${dim} with size ${shape[axis]}`,
    )
  }
  const begin = shape.map((_, i) => (i === axis ? position : 0))
  const size = shape.map((d, i) => (i === axis ? 1 : d))
  const outShape = shape.filter((_, i) => i !== axis)
  const paddings = shape.map((d, i): [number, number] => (i === axis ? [position, d - position - 1] : [0, 0]))
  return viewOp(
    a,
    'SelectBackward0',
    (x) => {
      const slice = K.slice(x, begin, size)
      const selected = K.reshape(slice, outShape) // shares the slice's data, so the slice handle can go
      slice.dispose()
      return selected
    },
    (g) => [K.pad(K.reshape(g, size), paddings)],
  )
}

/** One dimension of an index: a position (selects and drops the dimension), null (all), or [start, end]. */
export type IndexSpec = number | null | [number?, number?]

export function index(a: Tensor, specs: readonly IndexSpec[]): Tensor {
  check(specs.length <= a.ndim, () => `too many indices for tensor of dimension ${a.ndim} (got ${specs.length})`)
  let result = a
  let dim = 0
  for (const spec of specs) {
    if (spec === null) {
      dim++
    } else if (typeof spec === 'number') {
      result = select(result, dim, spec)
    } else {
      const size = result.shape[dim]
      const clampIndex = (i: number): number => Math.min(Math.max(i < 0 ? i + size : i, 0), size)
      const start = clampIndex(spec[0] ?? 0)
      const end = Math.max(start, clampIndex(spec[1] ?? size))
      result = narrow(result, dim, start, end - start)
      dim++
    }
  }
  return result
}

export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  check(tensors.length > 0, () => 'cat() expects a non-empty list of tensors')
  const first = tensors[0].shape
  const axis = normalizeDim(dim, first.length)
  tensors.forEach((tensor, n) => {
    const shape = tensor.shape
    const compatible = shape.length === first.length && shape.every((d, i) => i === axis || d === first[i])
    if (!compatible) {
      throw new EngineError(
        'SHAPE_MISMATCH',
        `Sizes of tensors must match except in dimension ${axis}: tensor 0 has shape ${formatShape(first)}, tensor ${n} has shape ${formatShape(shape)}`,
      )
    }
  })
  const sizes = tensors.map((tensor) => tensor.shape[axis])
  return record(K.concat(tensors.map((tensor) => tensor.value), axis), {
    name: 'CatBackward0',
    inputs: tensors,
    backward: (g, _saved, needs) => {
      let offset = 0
      return sizes.map((size, i) => {
        const begin = g.shape.map((_, d) => (d === axis ? offset : 0))
        const extent = g.shape.map((d, j) => (j === axis ? size : d))
        offset += size
        return needs[i] ? K.slice(g, begin, extent) : null
      })
    },
  })
}

export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  check(tensors.length > 0, () => 'stack() expects a non-empty list of tensors')
  const first = tensors[0].shape
  const axis = normalizeDim(dim, first.length + 1)
  tensors.forEach((tensor, n) => {
    const shape = tensor.shape
    if (shape.length !== first.length || shape.some((d, i) => d !== first[i])) {
      throw new EngineError(
        'SHAPE_MISMATCH',
        `stack expects each tensor to be equal size, but got ${formatShape(first)} at entry 0 and ${formatShape(shape)} at entry ${n}`,
      )
    }
  })
  const expanded = [...first.slice(0, axis), 1, ...first.slice(axis)]
  const parts = tensors.map((tensor) => K.reshape(tensor.value, expanded))
  const out = K.concat(parts, axis)
  for (const part of parts) part.dispose()
  return record(out, {
    name: 'StackBackward0',
    inputs: tensors,
    backward: (g, _saved, needs) =>
      tensors.map((_, i) => {
        if (!needs[i]) return null
        const begin = g.shape.map((_, d) => (d === axis ? i : 0))
        const extent = g.shape.map((d, j) => (j === axis ? 1 : d))
        return K.reshape(K.slice(g, begin, extent), first)
      }),
  })
}
