import { tf } from '../tf'
import type { Handle } from '../tf'
import { EngineError, formatShape } from '../errors'
import { K } from '../kernels'
import { AccumulateGrad, type Node } from './node'
import { accumulateGrad, sameShape, type Tensor } from '../tensor'
import { noGrad } from './grad-mode'

function rootNode(root: Tensor): Node {
  if (root.gradFn) return root.gradFn
  if (root.requiresGrad) return root._gradAccumulator()
  throw new EngineError(
    'NO_GRAD_FN',
    'element 0 of tensors does not require grad and does not have a gradFn: nothing in the ' +
      'computation of this tensor requires grad. Create the inputs with { requiresGrad: true }, ' +
      'or check that the loss was not computed inside noGrad() or from detached tensors.',
  )
}

function initialGrad(root: Tensor, gradient: Tensor | undefined): Handle {
  if (gradient === undefined) {
    if (root.numel() !== 1) {
      throw new EngineError(
        'NON_SCALAR_BACKWARD',
        `grad can be implicitly created only for scalar outputs; this output has shape ${formatShape(root.shape)}. ` +
          'Reduce it to a scalar first (loss.mean() or loss.sum()), or pass the gradient: t.backward(gradient).',
      )
    }
    return K.fill(root.shape, 1, 'float32')
  }
  if (!sameShape(gradient.shape, root.shape)) {
    throw new EngineError(
      'SHAPE_MISMATCH',
      `Mismatch in shape: the gradient has a shape of ${formatShape(gradient.shape)} and the output has a shape of ${formatShape(root.shape)}`,
    )
  }
  return K.clone(gradient.value)
}

/** Counts, for each node reachable from `root`, how many edges lead into it. */
function countDependencies(root: Node): Map<Node, number> {
  const dependencies = new Map<Node, number>([[root, 0]])
  const stack = [root]
  while (stack.length > 0) {
    const node = stack.pop() as Node
    for (const next of node.nextFunctions) {
      if (next === null) continue
      const count = dependencies.get(next)
      if (count === undefined) {
        dependencies.set(next, 1)
        stack.push(next)
      } else {
        dependencies.set(next, count + 1)
      }
    }
  }
  return dependencies
}

function addInto(pending: Map<Node, Handle>, node: Node, grad: Handle): void {
  const existing = pending.get(node)
  if (existing === undefined) {
    pending.set(node, grad)
    return
  }
  pending.set(node, K.add(existing, grad))
  existing.dispose()
  grad.dispose()
}

/** Runs a node's backward in a tfjs scope that frees its intermediates and keeps what it returns. */
function tidyGrads(fn: () => Array<Handle | null>): Array<Handle | null> {
  return tf.tidy(fn as () => tf.TensorContainer) as unknown as Array<Handle | null>
}

/**
 * Makes every returned gradient its own handle: a node may pass its incoming gradient through
 * (AddBackward0) or give two inputs the same handle, and each handle is disposed once when consumed.
 */
function distinct(grads: Array<Handle | null>, incoming: Handle): Array<Handle | null> {
  const seen = new Set<Handle>([incoming])
  return grads.map((grad) => {
    if (grad === null) return null
    if (seen.has(grad)) return K.clone(grad)
    seen.add(grad)
    return grad
  })
}

/**
 * Runs the backward pass from `root`, like `torch.autograd.backward`. Nodes run in dependency order,
 * each once all gradients into it are summed. Without `retainGraph`, each node frees its saved
 * tensors after it runs, so a second backward through it raises BACKWARD_TWICE.
 */
export function runBackward(root: Tensor, gradient: Tensor | undefined, retainGraph: boolean): void {
  const start = rootNode(root)
  const dependencies = countDependencies(start)
  const pending = new Map<Node, Handle>([[start, initialGrad(root, gradient)]])
  const ready: Node[] = [start]

  try {
    noGrad(() => {
      while (ready.length > 0) {
        const node = ready.pop() as Node
        const grad = pending.get(node)
        pending.delete(node)

        let inputGrads: Array<Handle | null> = []
        if (grad !== undefined) {
          if (node.retained) {
            for (const tensor of node.retained) accumulateGrad(tensor, K.clone(grad))
          }
          if (node instanceof AccumulateGrad) {
            accumulateGrad(node.variable, grad)
          } else {
            inputGrads = distinct(tidyGrads(() => node.apply(grad)), grad)
            grad.dispose()
          }
        }
        if (!retainGraph) node.release()

        node.nextFunctions.forEach((next, i) => {
          const inputGrad = inputGrads[i] ?? null
          if (next === null) {
            inputGrad?.dispose()
            return
          }
          if (inputGrad) addInto(pending, next, inputGrad)
          const remaining = (dependencies.get(next) as number) - 1
          dependencies.set(next, remaining)
          if (remaining === 0) ready.push(next)
        })
      }
    })
  } finally {
    for (const grad of pending.values()) grad.dispose()
  }
}
