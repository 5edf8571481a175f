import { tensor, zeros } from '../creation'
import { scope } from '../scope'
import { EngineError } from '../errors'
import type { Tensor } from '../tensor'
import { noGrad } from '../autograd/grad-mode'
import { embedding } from '../ops/embedding'
import { Module } from './module'
import { Parameter } from './parameter'
import { normal_ } from './init'
import { checkPositiveInt } from './args'

export interface EmbeddingOptions {
  /** A row that stays at zero and gets no gradient, for a padding token; negative counts from the end. */
  paddingIdx?: number | null
}

/**
 * A lookup table of `numEmbeddings` vectors of size `embeddingDim`, as PyTorch's nn.Embedding:
 * int32 indices of any shape in, (*, embedding_dim) out. Weight from N(0, 1), the padding row zero.
 */
export class Embedding extends Module {
  readonly numEmbeddings: number
  readonly embeddingDim: number
  readonly paddingIdx: number | null
  weight: Parameter

  constructor(numEmbeddings: number, embeddingDim: number, options: EmbeddingOptions = {}) {
    super()
    this.numEmbeddings = checkPositiveInt(numEmbeddings, 'num_embeddings', 'Embedding')
    this.embeddingDim = checkPositiveInt(embeddingDim, 'embedding_dim', 'Embedding')
    const padding = options.paddingIdx ?? null
    if (padding !== null && !(Number.isInteger(padding) && padding >= -numEmbeddings && padding < numEmbeddings)) {
      throw new EngineError(
        'INVALID_ARGUMENT',
        `Embedding: padding_idx must be within num_embeddings, in [${-numEmbeddings}, ${numEmbeddings - 1}], got ${padding}`,
      )
    }
    this.paddingIdx = padding !== null && padding < 0 ? padding + numEmbeddings : padding
    this.weight = new Parameter(zeros([numEmbeddings, embeddingDim]))
    this.resetParameters()
  }

  resetParameters(): void {
    normal_(this.weight)
    const row = this.paddingIdx
    if (row === null) return
    // Zero the padding row with a mask, because views are read-only and the row cannot be filled alone.
    scope(() => {
      const keepRows = new Float32Array(this.numEmbeddings).fill(1)
      keepRows[row] = 0
      noGrad(() => {
        this.weight.mul_(tensor(keepRows, { shape: [this.numEmbeddings, 1] }))
      })
    })
  }

  forward(input: Tensor): Tensor {
    return embedding(input, this.weight, this.paddingIdx)
  }

  override extraRepr(): string {
    const padding = this.paddingIdx === null ? '' : `, padding_idx=${this.paddingIdx}`
    return `${this.numEmbeddings}, ${this.embeddingDim}${padding}`
  }
}
