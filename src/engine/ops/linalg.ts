import type { Handle } from '../tf'
import { EngineError, formatShape } from '../errors'
import { K } from '../kernels'
import { record } from '../autograd/function'
import type { Tensor } from '../tensor'
import { broadcastShapes, unbroadcast } from './broadcast'

function nodeName(rankA: number, rankB: number): string {
  if (rankA === 1 && rankB === 1) return 'DotBackward0'
  if (rankA === 2 && rankB === 1) return 'MvBackward0'
  if (rankA === 2 && rankB === 2) return 'MmBackward0'
  if (rankA === 1 && rankB === 2) return 'SqueezeBackward3'
  // NOTE: PyTorch names batched matmul nodes after its internal reshapes (UnsafeViewBackward0 and
  // others); the engine uses one name for every batched case.
  return 'BmmBackward0'
}

/**
 * Matrix product with PyTorch's `matmul` rules: 1-D operands are promoted to matrices and the added
 * dimension removed afterwards, and batch dimensions broadcast.
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  const shapeA = a.shape
  const shapeB = b.shape
  if (shapeA.length === 0 || shapeB.length === 0) {
    throw new EngineError('INVALID_ARGUMENT', 'both arguments to matmul need to be at least 1D, but they are ' +
      `${shapeA.length}D and ${shapeB.length}D`)
  }
  const matA = shapeA.length === 1 ? [1, shapeA[0]] : shapeA
  const matB = shapeB.length === 1 ? [shapeB[0], 1] : shapeB
  const inner = matA[matA.length - 1]
  if (inner !== matB[matB.length - 2]) {
    throw new EngineError(
      'SHAPE_MISMATCH',
      `mat1 and mat2 shapes cannot be multiplied (${matA.slice(-2).join('x')} and ${matB.slice(-2).join('x')}); ` +
        `the inputs have shapes ${formatShape(shapeA)} and ${formatShape(shapeB)}`,
    )
  }
  const batch = broadcastShapes(matA.slice(0, -2), matB.slice(0, -2))
  const outMat = [...batch, matA[matA.length - 2], matB[matB.length - 1]]
  const outShape = [...batch]
  if (shapeA.length > 1) outShape.push(matA[matA.length - 2])
  if (shapeB.length > 1) outShape.push(matB[matB.length - 1])

  const product = batchedProduct(a.value, b.value, matA, matB, batch, false, false)
  const out = sameRank(outMat, outShape) ? product : K.reshape(product, outShape)
  if (out !== product) product.dispose()

  return record(out, {
    name: nodeName(shapeA.length, shapeB.length),
    inputs: [a, b],
    save: () => [a, b],
    backward: (g, [va, vb], needs) => {
      const grad = K.reshape(g, outMat)
      const gradShape = outMat
      // dA = g @ B^T, dB = A^T @ g, summed over broadcast batch dimensions.
      const gradA = needs[0]
        ? K.reshape(unbroadcast(batchedProduct(grad, vb, gradShape, matB, batch, false, true), matA), shapeA)
        : null
      const gradB = needs[1]
        ? K.reshape(unbroadcast(batchedProduct(va, grad, matA, gradShape, batch, true, false), matB), shapeB)
        : null
      return [gradA, gradB]
    },
  })
}

/**
 * Matrix product of `a` (seen as `matA`) and `b` (seen as `matB`) over the broadcast `batch` shape.
 * Operands whose batch dimensions differ are expanded to the full batch first: tfjs's own batch
 * broadcasting gives wrong values when the two batch shapes differ in rank (tfjs 4.22, wasm and cpu).
 * The result has shape (...batch, rows, cols) and is a new handle.
 */
function batchedProduct(
  a: Handle, b: Handle, matA: readonly number[], matB: readonly number[], batch: readonly number[],
  transposeA: boolean, transposeB: boolean,
): Handle {
  const created: Handle[] = []
  const expand = (x: Handle, mat: readonly number[]): Handle => {
    const full = [...batch, ...mat.slice(-2)]
    let result = x.shape.length === mat.length && x.shape.every((d, i) => d === mat[i]) ? x : K.reshape(x, mat)
    if (result !== x) created.push(result)
    if (mat.length !== full.length || mat.some((d, i) => d !== full[i])) {
      result = K.broadcastTo(result, full)
      created.push(result)
    }
    return result
  }
  const x = expand(a, matA)
  const y = expand(b, matB)
  const product = K.matMul(x, y, transposeA, transposeB)
  for (const handle of created) handle.dispose()
  return product
}

function sameRank(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length
}

/** Product of two matrices, as PyTorch's `mm` (no broadcasting). */
export function mm(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 2 || b.ndim !== 2) {
    throw new EngineError('INVALID_ARGUMENT', `mm expects two matrices, got shapes ${formatShape(a.shape)} and ${formatShape(b.shape)}`)
  }
  return matmul(a, b)
}

/** x @ w^T + bias, PyTorch's `linear`, recorded as one node (AddmmBackward0 for 2-D input with bias). */
export function linear(x: Tensor, weight: Tensor, bias: Tensor | null): Tensor {
  const shapeX = x.shape
  const [outFeatures, inFeatures] = weight.shape
  if (shapeX[shapeX.length - 1] !== inFeatures) {
    throw new EngineError(
      'SHAPE_MISMATCH',
      `mat1 and mat2 shapes cannot be multiplied (${shapeX.slice(0, -1).reduce((n, d) => n * d, 1)}x${shapeX[shapeX.length - 1]} ` +
        `and ${inFeatures}x${outFeatures}): the input has shape ${formatShape(shapeX)} but the layer expects ${inFeatures} input features`,
    )
  }
  const rows = shapeX.slice(0, -1).reduce((n, d) => n * d, 1)
  const flat = K.reshape(x.value, [rows, inFeatures])
  const product = K.matMul(flat, weight.value, false, true)
  const withBias = bias ? K.add(product, bias.value) : product
  const outShape = [...shapeX.slice(0, -1), outFeatures]
  const out = K.reshape(withBias, outShape)
  for (const handle of new Set<Handle>([flat, product, withBias])) if (handle !== out && handle !== x.value) handle.dispose()

  // PyTorch's names for F.linear by input rank: it adds the bias separately for 1-D input.
  const namesWithBias: Record<number, string> = { 1: 'AddBackward0', 2: 'AddmmBackward0' }
  const namesWithoutBias: Record<number, string> = { 1: 'SqueezeBackward3', 2: 'MmBackward0' }
  const name = (bias ? namesWithBias : namesWithoutBias)[shapeX.length] ?? (bias ? 'ViewBackward0' : 'UnsafeViewBackward0')
  return record(out, {
    name,
    inputs: [x, weight, bias],
    save: () => [x, weight],
    backward: (g, [vx, vw], needs) => {
      const grad = K.reshape(g, [rows, outFeatures])
      const gradX = needs[0] ? K.reshape(K.matMul(grad, vw, false, false), shapeX) : null
      const gradW = needs[1] ? K.matMul(grad, K.reshape(vx, [rows, inFeatures]), true, false) : null
      const gradB = needs[2] ? K.sum(grad, [0], false) : null
      return [gradX, gradW, gradB]
    },
  })
}
