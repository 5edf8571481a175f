import type { Handle } from '../tf'
import { EngineError, formatShape } from '../errors'
import type { Disposable, Scope } from '../memory'
import { currentScope } from '../memory'
import type { Tensor } from '../tensor'

/** A handle that only the graph uses (an intermediate kept for backward), freed on release. */
export class OwnedHandle implements Disposable {
  owner?: Scope

  constructor(public value: Handle) {}

  dispose(): void {
    this.value.dispose()
    this.owner?.items.delete(this)
  }
}

/**
 * A tensor saved for backward: either an engine tensor, checked against the version its storage had
 * when saved (so an in-place change is caught, as PyTorch does), or a handle owned by the node.
 */
export type SavedSlot = { tensor: Tensor; version: number } | { owned: OwnedHandle }

/** Computes the gradient of each input from the gradient of the output; null where not needed. */
export type BackwardFn = (grad: Handle, saved: Handle[], needsInputGrad: boolean[]) => Array<Handle | null>

let nextSequenceNr = 0

/**
 * A node of the backward graph, what PyTorch calls a grad_fn. It has one output, and one entry in
 * `nextFunctions` per input: the input's own node, its gradient accumulator if it is a leaf that
 * requires grad, or null if no gradient flows there.
 */
export class Node {
  readonly sequenceNr = nextSequenceNr++
  private saved: SavedSlot[] | null
  private hadSaved = false
  /** Non-leaf tensors produced by this node that asked for `retainGrad()`. */
  retained: Tensor[] | null = null

  constructor(
    readonly name: string,
    readonly nextFunctions: ReadonlyArray<Node | null>,
    saved: SavedSlot[],
    private readonly backwardFn: BackwardFn | null,
  ) {
    this.saved = saved
  }

  get released(): boolean {
    return this.saved === null
  }

  apply(grad: Handle): Array<Handle | null> {
    if (!this.backwardFn) throw new Error(`${this.name} has no backward function`)
    const needs = this.nextFunctions.map((next) => next !== null)
    return this.backwardFn(grad, this.unpack(), needs)
  }

  /** The saved values, after checking that they are still there and unchanged. */
  private unpack(): Handle[] {
    if (this.saved === null) {
      if (!this.hadSaved) return []
      throw new EngineError(
        'BACKWARD_TWICE',
        `Trying to backward through the graph a second time (through ${this.name}), or to use saved ` +
          'tensors after they were freed. Saved intermediate values of the graph are freed when you ' +
          'call backward(). Specify backward(undefined, { retainGraph: true }) on the first call if you ' +
          'need to backward through the graph a second time, or compute a fresh forward pass.',
      )
    }
    return this.saved.map((slot) => {
      if ('owned' in slot) return slot.owned.value
      const { tensor, version } = slot
      if (tensor._version !== version) {
        throw new EngineError(
          'INPLACE_MODIFIED',
          'one of the variables needed for gradient computation has been modified by an inplace ' +
            `operation: [${tensor.dtype} ${formatShape(tensor.shape)}], saved by ${this.name}, is at ` +
            `version ${tensor._version}; expected version ${version} instead. Its value changed (for ` +
            'example by optimizer.step() or add_()) after the forward pass that used it and before ' +
            'this backward. Hint: call backward() for every loss before step(), or recompute the ' +
            'forward pass after the update.',
        )
      }
      return tensor.value
    })
  }

  /** Frees the saved values, as PyTorch does at the end of a backward without retainGraph. */
  release(): void {
    if (this.saved === null) return
    for (const slot of this.saved) if ('owned' in slot) slot.owned.dispose()
    this.hadSaved = this.saved.length > 0
    this.saved = null
  }

  /** Moves the saved values held by `from` to `to`, for a graph returned out of a closing scope. */
  moveSaved(from: Scope, to: Scope): void {
    if (this.saved === null) return
    for (const slot of this.saved) {
      if ('owned' in slot) {
        if (slot.owned.owner === from) from.release(slot.owned, to)
      } else {
        slot.tensor._moveBuffers(from, to)
      }
    }
  }

  toString(): string {
    return `<${this.name}>`
  }
}

/** The node that adds incoming gradients into a leaf's `.grad`, PyTorch's AccumulateGrad. */
export class AccumulateGrad extends Node {
  constructor(readonly variable: Tensor) {
    super('AccumulateGrad', [], [], null)
  }
}

/** Registers an owned intermediate in the current scope and wraps it for saving. */
export function ownedSlot(value: Handle): SavedSlot {
  return { owned: currentScope().track(new OwnedHandle(value)) }
}
