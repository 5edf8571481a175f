import { tf } from '../tf'
import type { Handle } from '../tf'
import { K } from '../kernels'
import { keep } from '../scope'
import { type Tensor, disposeTransientScalars, fromHandle, scalarHandle } from '../tensor'
import type { ParamState } from './optimizer'

/**
 * Note [Fused optimizer updates]
 * An optimizer step computes every new buffer of one parameter (the parameter and its state tensors)
 * with kernels inside one `tf.tidy`, then swaps each buffer in with `_inplace`. So each tensor's
 * storage is replaced once per step, every intermediate is freed by the tidy, and the parameter's
 * version counter bumps (which lets backward detect a step between forward and backward).
 * State tensors are made with `keep()` on their first step, so they outlive the `scope` a training
 * step runs in, and are then only replaced in place.
 * A state tensor that does not exist yet counts as zeros: `0 * beta + x` is exactly `x` in floating
 * point, so skipping the zeros gives PyTorch's values while saving a fill and a multiply.
 */

/**
 * Scalar operands of one `step()` call. Hyperparameters that rarely change (betas, eps, momentum)
 * use the engine's scalar cache. Values that change from step to step (bias corrections, learning
 * rates under a schedule) would fill that cache for good. So they are made here, shared by the
 * parameters of the step, and freed when the step ends.
 */
export class StepScalars {
  private readonly temporary = new Map<number, Handle>()

  /** Returns a scalar handle for a value that stays the same over many steps. */
  constant(value: number): Handle {
    return scalarHandle(value)
  }

  /** Returns a scalar handle for a value that may differ at every step, freed by `dispose()`. */
  perStep(value: number): Handle {
    let handle = this.temporary.get(value)
    if (handle === undefined) {
      handle = tf.keep(K.fill([], value, 'float32'))
      this.temporary.set(value, handle)
    }
    return handle
  }

  dispose(): void {
    for (const handle of this.temporary.values()) handle.dispose()
    this.temporary.clear()
    // Constants made after the engine's cache filled up are freed here too.
    disposeTransientScalars()
  }
}

/** `x * factor`, with no kernel call when the factor is 1. */
export function scaled(x: Handle, factor: number, scalar: Handle): Handle {
  return factor === 1 ? x : K.mul(x, scalar)
}

/** Returns the state tensor stored under `key`, or undefined before its first step. */
export function stateTensor(state: ParamState, key: string): Tensor | undefined {
  const value = state[key]
  return typeof value === 'number' ? undefined : value
}

/**
 * Writes the new parameter value and the new state buffers computed for one step (see
 * Note [Fused optimizer updates]). `states` maps a state key to its new buffer.
 */
export function commitStep(
  opName: string,
  param: Tensor,
  paramValue: Handle,
  state: ParamState,
  states: Record<string, Handle>,
): void {
  try {
    param._inplace(opName, () => paramValue)
  } catch (error) {
    // The parameter cannot be written (a view, or grad mode is on), so nothing is committed.
    paramValue.dispose()
    for (const handle of Object.values(states)) handle.dispose()
    throw error
  }
  for (const [key, value] of Object.entries(states)) {
    const existing = stateTensor(state, key)
    if (existing === undefined) state[key] = keep(fromHandle(value, null, false))
    else existing._inplace(opName, () => value)
  }
}
