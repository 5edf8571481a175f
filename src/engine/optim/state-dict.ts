import { EngineError, formatShape } from '../errors'
import { K } from '../kernels'
import { keep } from '../scope'
import { type Tensor, fromHandle, isTensor, sameShape } from '../tensor'
import type { Hyperparameters, OptimizerStateDict, ParamGroup, ParamState } from './optimizer'

// Conversion between an optimizer's groups and state and PyTorch's `state_dict()` layout, in which
// parameters are numbered across groups in order.

function invalid(message: string): EngineError {
  return new EngineError('INVALID_ARGUMENT', message)
}

export function packStateDict<H extends Hyperparameters>(
  groups: ReadonlyArray<ParamGroup<H>>,
  state: ReadonlyMap<Tensor, ParamState>,
): OptimizerStateDict<H> {
  const index = new Map<Tensor, number>()
  const paramGroups = groups.map((group) => {
    const { params, ...hyperparameters } = group
    const copy: Record<string, unknown> = {}
    for (const [key, value] of Object.entries(hyperparameters)) copy[key] = Array.isArray(value) ? [...value] : value
    const ids = params.map((param) => {
      index.set(param, index.size)
      return index.size - 1
    })
    return { ...copy, params: ids } as H & { params: number[] }
  })

  const packed: Record<number, ParamState> = {}
  for (const [param, paramState] of state) {
    const id = index.get(param)
    if (id !== undefined) packed[id] = { ...paramState }
  }
  return { state: packed, paramGroups }
}

/** Rejects a dict whose groups do not line up with `groups`, with PyTorch's messages. */
export function checkLoadable<H extends Hyperparameters>(
  groups: ReadonlyArray<ParamGroup<H>>,
  dict: OptimizerStateDict<H>,
): void {
  if (dict === null || typeof dict !== 'object' || !Array.isArray(dict.paramGroups) || typeof dict.state !== 'object') {
    throw invalid('loaded state dict must be an object with state and paramGroups, as stateDict() returns')
  }
  if (dict.paramGroups.length !== groups.length) {
    throw invalid(
      `loaded state dict has a different number of parameter groups: ${dict.paramGroups.length}, ` +
        `while the optimizer has ${groups.length}. Build the optimizer with the same groups as the one that was saved.`,
    )
  }
  dict.paramGroups.forEach((saved, i) => {
    if (!Array.isArray(saved.params) || saved.params.length !== groups[i].params.length) {
      throw invalid(
        `loaded state dict contains a parameter group that doesn't match the size of optimizer's group: ` +
          `group ${i} has ${Array.isArray(saved.params) ? saved.params.length : 'no'} parameters in the dict ` +
          `and ${groups[i].params.length} in the optimizer. Build the optimizer over the same parameters.`,
      )
    }
  })
}

/**
 * Copies the state of `dict`, keyed by this optimizer's parameters matched by position as PyTorch
 * does. Every tensor is checked against its parameter's shape, then copied and kept (it outlives any scope).
 */
export function loadState<H extends Hyperparameters>(
  groups: ReadonlyArray<ParamGroup<H>>,
  dict: OptimizerStateDict<H>,
): Map<Tensor, ParamState> {
  const byId = new Map<number, Tensor>()
  dict.paramGroups.forEach((saved, i) => {
    saved.params.forEach((id, j) => byId.set(Number(id), groups[i].params[j]))
  })

  // Check everything first, so that a rejected dict leaves no copies behind.
  const entries: Array<[Tensor, ParamState]> = []
  for (const [key, savedState] of Object.entries(dict.state)) {
    const param = byId.get(Number(key))
    if (param === undefined) {
      throw invalid(
        `loaded state dict has state for parameter ${key}, which none of its parameter groups lists. ` +
          'The dict is inconsistent; save it again with stateDict().',
      )
    }
    for (const [name, value] of Object.entries(savedState)) {
      if (name === 'step' || typeof value === 'number') continue
      if (!isTensor(value)) {
        throw invalid(`loaded state for parameter ${key} has a ${name} that is neither a number nor a Tensor`)
      }
      if (!sameShape(value.shape, param.shape)) {
        throw invalid(
          `loaded state for parameter ${key} has ${name} of shape ${formatShape(value.shape)}, but the parameter ` +
            `has shape ${formatShape(param.shape)}. Check that the optimizer is built over the same model.`,
        )
      }
    }
    entries.push([param, savedState])
  }

  const state = new Map<Tensor, ParamState>()
  for (const [param, savedState] of entries) {
    const copy: ParamState = {}
    for (const [name, value] of Object.entries(savedState)) {
      // PyTorch 1.13 stores Adam's step as a one-element tensor, and here it is a number.
      if (typeof value === 'number') copy[name] = value
      else if (name === 'step') copy[name] = value.item()
      else copy[name] = keep(fromHandle(value.dtype === 'float32' ? K.clone(value.value) : K.cast(value.value, 'float32'), null, false))
    }
    state.set(param, copy)
  }
  return state
}
