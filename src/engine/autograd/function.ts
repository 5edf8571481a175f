import type { Handle } from '../tf'
import { type BackwardFn, Node, type SavedSlot, ownedSlot } from './node'
import { isGradEnabled } from './grad-mode'
import { fromHandle, type Tensor } from '../tensor'

/** What an op saves for backward: an input tensor, the op's output, or an intermediate handle. */
export type SaveItem = Tensor | 'output' | { owned: Handle }

export interface OpRecord {
  /** The node name, as PyTorch spells it: `MulBackward0`. */
  name: string
  inputs: ReadonlyArray<Tensor | null>
  /** Called only when a graph is recorded, so the forward pass saves nothing under noGrad. */
  save?: () => SaveItem[]
  backward: BackwardFn
}

/** True when an op with these inputs must record a node. */
export function needsGraph(inputs: ReadonlyArray<Tensor | null>): boolean {
  if (!isGradEnabled()) return false
  for (const input of inputs) if (input !== null && input.requiresGrad) return true
  return false
}

function edgeOf(input: Tensor | null): Node | null {
  if (input === null || !input.requiresGrad) return null
  return input.gradFn ?? input._gradAccumulator()
}

/**
 * Wraps an op's output handle as a tensor and, when any input requires grad, records the node that
 * computes the inputs' gradients. Every op in `ops/` ends with this call.
 */
export function record(output: Handle, op: OpRecord): Tensor {
  if (!needsGraph(op.inputs)) return fromHandle(output, null, false)
  const nextFunctions = op.inputs.map(edgeOf)
  const items = op.save ? op.save() : []
  const slots: SavedSlot[] = []
  const node = new Node(op.name, nextFunctions, slots, op.backward)
  const result = fromHandle(output, node, true)
  for (const item of items) {
    if (item === 'output') slots.push({ tensor: result, version: result._version })
    else if ('owned' in item) slots.push(ownedSlot(item.owned))
    else slots.push({ tensor: item, version: item._version })
  }
  return result
}

/** Like `record`, for ops whose output is a view sharing the input's storage. */
export function recordNode(op: OpRecord): Node | null {
  if (!needsGraph(op.inputs)) return null
  const nextFunctions = op.inputs.map(edgeOf)
  const items = op.save ? op.save() : []
  const slots: SavedSlot[] = items.map((item) => {
    if (item === 'output') throw new Error('view ops cannot save their output')
    return 'owned' in item ? ownedSlot(item.owned) : { tensor: item, version: item._version }
  })
  return new Node(op.name, nextFunctions, slots, op.backward)
}
