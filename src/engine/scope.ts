import { tf } from './tf'
import { EngineError } from './errors'
import { type Scope, closeScope, openScope, rootScope } from './memory'
import { Tensor } from './tensor'
import type { Node } from './autograd/node'

/** Moves every tensor in `value` (and the graph behind it) from `from` to `to`. */
function moveOut(value: unknown, from: Scope, to: Scope, seen: Set<unknown>): void {
  if (value === null || typeof value !== 'object' || seen.has(value)) return
  seen.add(value)
  if (value instanceof Tensor) {
    value._moveBuffers(from, to)
    moveGraph(value.gradFn, from, to, seen)
    return
  }
  if (Array.isArray(value)) {
    for (const item of value) moveOut(item, from, to, seen)
    return
  }
  if (value instanceof Map) {
    for (const item of value.values()) moveOut(item, from, to, seen)
    return
  }
  if (Object.getPrototypeOf(value) === Object.prototype) {
    for (const item of Object.values(value)) moveOut(item, from, to, seen)
  }
}

function moveGraph(root: Node | null, from: Scope, to: Scope, seen: Set<unknown>): void {
  const stack = root ? [root] : []
  while (stack.length > 0) {
    const node = stack.pop() as Node
    if (seen.has(node)) continue
    seen.add(node)
    node.moveSaved(from, to)
    for (const next of node.nextFunctions) if (next) stack.push(next)
  }
}

/**
 * Runs `fn` and frees every tensor it made, except the tensors it returns (in an array or a plain
 * object too) and those passed to `keep()`. Returned tensors keep their graph, so a loss returned
 * from a scope can still be backpropagated. See Note [Memory ownership].
 *
 *     const loss = torch.scope(() => F.mseLoss(model.forward(x), y))
 */
export function scope<T>(fn: () => T): T {
  const inner = openScope()
  try {
    const result = fn()
    if (result instanceof Promise) {
      throw new EngineError(
        'INVALID_ARGUMENT',
        'scope() takes a synchronous function: tensors made after an await would escape it. ' +
          'Await outside the scope and put the synchronous tensor work inside.',
      )
    }
    moveOut(result, inner, inner.parent ?? rootScope, new Set())
    return result
  } finally {
    closeScope(inner)
  }
}

/** Keeps `tensor` alive after the scopes that are open now close; free it with `dispose()`. */
export function keep<T extends Tensor>(tensor: T): T {
  for (const buffer of [tensor._storage, tensor._view]) {
    if (buffer?.owner && buffer.owner !== rootScope) buffer.owner.release(buffer, rootScope)
  }
  return tensor
}

export interface MemoryInfo {
  /** Live tfjs tensors, every engine tensor, view, gradient and optimizer state included. */
  numTensors: number
  numDataBuffers: number
  numBytes: number
}

export function memory(): MemoryInfo {
  const info = tf.memory()
  return { numTensors: info.numTensors, numDataBuffers: info.numDataBuffers, numBytes: info.numBytes }
}
