import type { Handle } from '../tf'
import { EngineError } from '../errors'
import { noGrad } from '../autograd/grad-mode'
import { type Tensor, isTensor } from '../tensor'
import { StepScalars } from './fused-update'
import { checkLoadable, loadState, packStateDict } from './state-dict'

/** Hyperparameters every optimizer has; each optimizer adds its own. */
export type Hyperparameters = {
  lr: number
}

/** A parameter group: its parameters and its own copy of every hyperparameter, changeable between steps. */
export type ParamGroup<H extends Hyperparameters = Hyperparameters> = H & { params: Tensor[] }

/** A parameter group as given to a constructor or `addParamGroup`; missing hyperparameters come from the defaults. */
export type ParamGroupInput<H extends Hyperparameters = Hyperparameters> = Partial<H> & {
  params: Iterable<Tensor> | Tensor
}

/** Tensors to optimize, or parameter groups with their own hyperparameters. */
export type OptimizerParams<H extends Hyperparameters = Hyperparameters> =
  | Iterable<Tensor>
  | Iterable<ParamGroupInput<H>>

/** One parameter's state, with PyTorch's keys (`step`, `exp_avg`, `momentum_buffer`, ...). */
export type ParamState = Record<string, Tensor | number>

/**
 * An optimizer's state in PyTorch's `state_dict()` layout: parameters are numbered in the order of
 * the groups and of the parameters within each group.
 */
export interface OptimizerStateDict<H extends Hyperparameters = Hyperparameters> {
  state: Record<number, ParamState>
  paramGroups: Array<H & { params: number[] }>
}

function invalid(message: string): EngineError {
  return new EngineError('INVALID_ARGUMENT', message)
}

function camelCase(name: string): string {
  return name.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase())
}

/**
 * Base of the optimizers, with torch.optim's data model: `paramGroups` (plain objects, so a trainer
 * may set `group.lr` between steps), `state` keyed by parameter (so one optimizer over two networks
 * keeps their states apart), `zeroGrad`, `step`, `stateDict` and `loadStateDict`.
 */
export abstract class Optimizer<H extends Hyperparameters = Hyperparameters> {
  readonly defaults: H
  readonly paramGroups: Array<ParamGroup<H>> = []
  readonly state = new Map<Tensor, ParamState>()

  constructor(params: OptimizerParams<H>, defaults: H) {
    this.defaults = defaults
    this.checkHyperparameters(defaults)
    if (isTensor(params)) {
      throw invalid(
        'params argument given to the optimizer should be an iterable of Tensors or parameter groups, ' +
          'but got a Tensor. Pass [tensor] instead.',
      )
    }
    const items = Array.from(params as Iterable<Tensor | ParamGroupInput<H>>)
    if (items.length === 0) {
      throw invalid('optimizer got an empty parameter list. Pass the model parameters, for example model.parameters().')
    }
    const groups = isTensor(items[0]) ? [{ params: items as Tensor[] } as unknown as ParamGroupInput<H>] : (items as Array<ParamGroupInput<H>>)
    for (const group of groups) this.addParamGroup(group)
  }

  /** Rejects hyperparameter values the update rule cannot use, with PyTorch's messages. */
  protected abstract checkHyperparameters(hyperparameters: H): void

  /**
   * Updates one parameter in place from its gradient (already known to exist) and its state.
   * Runs under `noGrad`.
   */
  protected abstract updateParameter(
    param: Tensor,
    grad: Handle,
    state: ParamState,
    group: ParamGroup<H>,
    scalars: StepScalars,
  ): void

  /**
   * Adds a group of parameters with its own hyperparameters, for example a network added to
   * training later; values it leaves out come from the defaults.
   */
  addParamGroup(input: ParamGroupInput<H>): void {
    if (input === null || typeof input !== 'object' || !('params' in input)) {
      throw invalid('a parameter group must be an object with a params list, for example { params: [w, b], lr: 0.1 }')
    }
    const params = isTensor(input.params) ? [input.params] : Array.from(input.params)
    if (params.length === 0) {
      throw invalid('a parameter group has an empty parameter list. Give it at least one tensor, or leave the group out.')
    }
    this.checkParams(params)

    for (const key of Object.keys(input)) {
      const camel = camelCase(key)
      if (camel !== key && camel in this.defaults) {
        throw invalid(`parameter group option '${key}' is spelled '${camel}' here. Rename it.`)
      }
    }
    const { params: _, ...overrides } = input
    const group = { ...this.defaults, ...overrides, params } as ParamGroup<H>
    // Give each group its own copy of array values (betas), so changing one group leaves the others alone.
    for (const [key, value] of Object.entries(group)) {
      if (key !== 'params' && Array.isArray(value)) (group as unknown as Record<string, unknown>)[key] = [...value]
    }
    this.checkHyperparameters(group)
    this.paramGroups.push(group)
  }

  private checkParams(params: unknown[]): void {
    const seen = new Set<Tensor>()
    for (const param of params) {
      if (!isTensor(param)) {
        throw invalid(`optimizer can only optimize Tensors, but one of the params is ${typeof param}`)
      }
      if (!(param.isLeaf || param.retainsGrad)) {
        throw invalid(
          `can't optimize a non-leaf Tensor: this one was computed by ${param.gradFn?.name}. ` +
            'Optimize the leaf tensors it was computed from, or make a new leaf with t.detach().requiresGrad_().',
        )
      }
      if (seen.has(param)) {
        throw invalid('a parameter group lists the same parameter twice; it would be updated twice per step. List it once.')
      }
      seen.add(param)
    }
    for (const group of this.paramGroups) {
      for (const param of group.params) {
        if (seen.has(param)) {
          throw invalid(
            'some parameters appear in more than one parameter group. Put each parameter in exactly one group.',
          )
        }
      }
    }
  }

  /**
   * Clears the gradients of every parameter. With `setToNone` (the default, as in PyTorch 2) the
   * gradients become null, which frees them and makes `step()` skip parameters that get no new
   * gradient. With `setToNone: false` they are filled with zeros in place.
   */
  zeroGrad({ setToNone = true }: { setToNone?: boolean } = {}): void {
    for (const group of this.paramGroups) {
      for (const param of group.params) {
        const grad = param.grad
        if (grad === null) continue
        if (setToNone) {
          param.grad = null
          continue
        }
        // A gradient made with a graph (create_graph in PyTorch) is cut from it before zeroing.
        if (grad.gradFn !== null) grad.detach_()
        noGrad(() => grad.zero_())
      }
    }
  }

  /** Updates every parameter that has a gradient, in place and without recording a graph. */
  step(): void {
    const scalars = new StepScalars()
    try {
      noGrad(() => {
        for (const group of this.paramGroups) {
          for (const param of group.params) {
            const grad = param.grad
            if (grad === null) continue
            let state = this.state.get(param)
            if (state === undefined) {
              state = {}
              this.state.set(param, state)
            }
            this.updateParameter(param, grad.value, state, group, scalars)
          }
        }
      })
    } finally {
      scalars.dispose()
    }
  }

  /**
   * Returns the state in PyTorch's layout. Its tensors are the optimizer's own (not copies), as in
   * PyTorch, so read or save them but do not dispose them.
   */
  stateDict(): OptimizerStateDict<H> {
    return packStateDict(this.paramGroups, this.state)
  }

  /**
   * Replaces the hyperparameters of every group and the state of every parameter with those of
   * `dict`, whose groups must match this optimizer's in number and sizes. Tensors are copied, so
   * `dict` stays the caller's. Nothing changes if the dict is rejected.
   */
  loadStateDict(dict: OptimizerStateDict<H>): void {
    checkLoadable(this.paramGroups, dict)
    for (let i = 0; i < dict.paramGroups.length; i++) {
      const { params: _, ...saved } = dict.paramGroups[i]
      const { params: __, ...current } = this.paramGroups[i]
      this.checkHyperparameters({ ...current, ...saved } as unknown as H)
    }
    const state = loadState(this.paramGroups, dict)

    this.disposeState()
    for (const [param, paramState] of state) this.state.set(param, paramState)
    dict.paramGroups.forEach((saved, i) => {
      const group = this.paramGroups[i] as unknown as Record<string, unknown>
      for (const [key, value] of Object.entries(saved)) {
        if (key !== 'params') group[key] = Array.isArray(value) ? [...value] : value
      }
    })
  }

  /**
   * Frees the state tensors. tfjs memory is not garbage collected, so call this when the optimizer
   * is no longer used; a later `step()` starts from fresh state.
   */
  dispose(): void {
    this.disposeState()
  }

  private disposeState(): void {
    for (const paramState of this.state.values()) {
      for (const value of Object.values(paramState)) {
        if (typeof value !== 'number') value.dispose()
      }
    }
    this.state.clear()
  }
}
