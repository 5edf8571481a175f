import { Tensor } from '../tensor'
import { noGrad } from '../autograd/grad-mode'
import { keep } from '../scope'
import { formatTensor } from '../format'

/**
 * A tensor that a Module treats as one of its parameters, as PyTorch's nn.Parameter: a leaf that
 * requires grad (unless told otherwise) and shares `data`'s storage. A view is copied first,
 * because views are read-only in this engine and parameters are updated in place.
 *
 * A parameter outlives every `scope()`: its storage moves to the root scope, so a model built
 * inside a scope keeps its weights. Free them with `module.dispose()` or `parameter.dispose()`.
 */
export class Parameter extends Tensor {
  constructor(data: Tensor, requiresGrad = true) {
    const source = data._view ? noGrad(() => data.clone()) : data
    super(source._storage, null, null, false)
    keep(this)
    if (requiresGrad) this.requiresGrad_(true)
  }

  override toString(): string {
    return `Parameter containing:\n${formatTensor(this)}`
  }
}
