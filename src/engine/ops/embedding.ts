import { tf } from '../tf'
import { EngineError, formatShape } from '../errors'
import { K } from '../kernels'
import { record } from '../autograd/function'
import type { Tensor } from '../tensor'

/** Checks that every index is a row of the table. It reads the indices back, cheap for the usual small batch of labels. */
function requireIndicesInRange(indices: Tensor, rows: number): void {
  const values = K.read(indices.value)
  for (let i = 0; i < values.length; i++) {
    const index = values[i]
    if (index < 0 || index >= rows) {
      throw new EngineError(
        'INVALID_ARGUMENT',
        `index out of range in self: embedding index ${index} (at flat position ${i}) is outside the table's ` +
          `${rows} rows [0, ${rows - 1}]`,
      )
    }
  }
}

/**
 * Looks up rows of `weight` (num_embeddings, embedding_dim) for int32 `indices` of any shape; the
 * result has shape (*indices.shape, embedding_dim). Rows equal to `paddingIdx` get no gradient.
 *
 * NOTE: the gradient costs a (count x rows) one-hot matrix, fine for label tables but large for big vocabularies.
 */
export function embedding(indices: Tensor, weight: Tensor, paddingIdx: number | null = null): Tensor {
  if (indices.dtype !== 'int32') {
    throw new EngineError(
      'INVALID_ARGUMENT',
      `Expected tensor for argument #1 'indices' to have scalar type int32, but got ${indices.dtype}. ` +
        "Make the indices with { dtype: 'int32' } or call .int() on them.",
    )
  }
  if (weight.ndim !== 2) {
    throw new EngineError(
      'SHAPE_MISMATCH',
      `embedding: weight must be 2-D (num_embeddings, embedding_dim), got shape ${formatShape(weight.shape)}`,
    )
  }
  const [rows, dim] = weight.shape
  requireIndicesInRange(indices, rows)
  let padding: number | null = null
  if (paddingIdx !== null) {
    padding = paddingIdx < 0 ? paddingIdx + rows : paddingIdx
    if (!Number.isInteger(padding) || padding < 0 || padding >= rows) {
      throw new EngineError('INVALID_ARGUMENT', `Padding_idx must be within num_embeddings, got ${paddingIdx} for ${rows} rows`)
    }
  }
  const indexShape = indices.shape
  const count = indices.numel()

  const out = tf.tidy(() => {
    const flat = K.reshape(indices.value, [count])
    return K.reshape(K.gather(weight.value, flat, 0), [...indexShape, dim]) // (*indices.shape, dim)
  })
  return record(out, {
    name: 'EmbeddingBackward0',
    inputs: [null, weight],
    save: () => [indices],
    backward: (g, [index], needs) => {
      if (!needs[1]) return [null, null]
      const flatIndex = K.reshape(index, [count])
      let rowsGrad = K.reshape(g, [count, dim])
      if (padding !== null) {
        const isPadding = K.cast(K.reshape(K.equal(flatIndex, K.fill([], padding, 'int32')), [count, 1]), 'float32')
        rowsGrad = K.mul(rowsGrad, K.sub(K.fill([], 1, 'float32'), isPadding))
      }
      // dW = onehot(indices)^T @ dy sums the gradients of rows looked up several times. It is a
      // matrix product rather than K.unsortedSegmentSum because the wasm backend lacks that kernel.
      const oneHot = K.cast(K.oneHot(flatIndex, rows), 'float32') // (count, rows)
      return [null, K.matMul(oneHot, rowsGrad, true, false)] // (rows, dim)
    },
  })
}
