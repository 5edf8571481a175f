import { EngineError, formatShape } from '../errors'
import { type Tensor, isTensor, sameShape } from '../tensor'
import { noGrad } from '../autograd/grad-mode'
import { keep } from '../scope'
import type { Device } from '../device'
import { Parameter } from './parameter'

/** Parameter and buffer values by PyTorch's dotted names: '0.weight', 'bn.running_mean'. */
export type StateDict = Record<string, Tensor>

export interface LoadStateDictResult {
  /** Keys the module expected but the dictionary lacked; an error when strict. */
  missingKeys: string[]
  /** Keys of the dictionary that match nothing in the module; an error when strict. */
  unexpectedKeys: string[]
}

const inspectSymbol = Symbol.for('nodejs.util.inspect.custom')

function checkMemberName(module: Module, name: string, kind: string): void {
  if (typeof name !== 'string' || name.length === 0) {
    throw new EngineError('INVALID_ARGUMENT', `${kind} name must be a non-empty string, got ${JSON.stringify(name)}`)
  }
  if (name.includes('.')) {
    throw new EngineError('INVALID_ARGUMENT', `${kind} name can't contain ".", got "${name}"`)
  }
  if (name.startsWith('_')) {
    throw new EngineError(
      'INVALID_ARGUMENT',
      `${kind} name "${name}" starts with "_", which marks a module's internal fields in this engine; choose another name`,
    )
  }
  if (kind !== 'buffer' && module._buffers.has(name)) {
    throw new EngineError('INVALID_ARGUMENT', `attribute '${name}' already exists as a buffer`)
  }
}

/** Indents every line but the first, as PyTorch's module repr nests children. */
function indentTail(text: string, spaces: number): string {
  return text.split('\n').join(`\n${' '.repeat(spaces)}`)
}

/**
 * The base class of every layer and model, as PyTorch's nn.Module. Subclasses assign their
 * parameters and submodules as plain properties (`this.weight = new Parameter(...)`,
 * `this.fc = new Linear(...)`), which are found in insertion order; properties whose names start
 * with `_` are skipped. Buffers (running statistics) are registered with `registerBuffer`, under
 * PyTorch's snake_case names so that `stateDict()` keys match PyTorch's.
 */
export abstract class Module {
  /** True in training mode (the default), false after `eval()`. */
  training = true
  /** @internal Buffers by name, in registration order; null entries are registered but unset. */
  _buffers = new Map<string, Tensor | null>()
  /** @internal Buffers left out of the state dict. */
  _nonPersistentBuffers = new Set<string>()

  // `any`, so that subclasses can narrow the signature to forward(x: Tensor): Tensor.
  abstract forward(...inputs: any[]): any

  // ---- registration ---------------------------------------------------------------------------

  /** Adds a parameter under `name`; also for names that are not identifiers. Null registers no value. */
  registerParameter(name: string, param: Parameter | null): void {
    checkMemberName(this, name, 'parameter')
    if (param !== null && !(param instanceof Parameter)) {
      throw new EngineError(
        'INVALID_ARGUMENT',
        `cannot assign a plain Tensor to parameter '${name}' (nn.Parameter or null required): wrap it as new nn.Parameter(tensor)`,
      )
    }
    ;(this as unknown as Record<string, unknown>)[name] = param
  }

  /**
   * Adds a buffer: a tensor that is part of the module's state but not a parameter, such as
   * BatchNorm's running mean. Persistent buffers appear in `stateDict()`. The buffer outlives
   * every `scope()`, as parameters do.
   */
  registerBuffer(name: string, tensor: Tensor | null, persistent = true): void {
    checkMemberName(this, name, 'buffer')
    if (tensor !== null && !isTensor(tensor)) {
      throw new EngineError('INVALID_ARGUMENT', `cannot assign ${typeof tensor} as buffer '${name}' (a Tensor or null required)`)
    }
    if (name in this && !this._buffers.has(name)) {
      throw new EngineError('INVALID_ARGUMENT', `attribute '${name}' already exists`)
    }
    if (tensor !== null) keep(tensor)
    this._buffers.set(name, tensor)
    if (persistent) this._nonPersistentBuffers.delete(name)
    else this._nonPersistentBuffers.add(name)
  }

  /** Adds a submodule under `name`, for names that are not identifiers ('0', '1' in Sequential). */
  registerModule(name: string, module: Module | null): void {
    checkMemberName(this, name, 'module')
    if (module !== null && !(module instanceof Module)) {
      throw new EngineError('INVALID_ARGUMENT', `${typeof module} is not a Module subclass, so it cannot be added as module '${name}'`)
    }
    ;(this as unknown as Record<string, unknown>)[name] = module
  }

  addModule(name: string, module: Module | null): void {
    this.registerModule(name, module)
  }

  /** @internal This module's own parameters, in property order. */
  _ownParameters(): Array<[string, Parameter]> {
    return Object.entries(this).filter(
      (entry): entry is [string, Parameter] => !entry[0].startsWith('_') && entry[1] instanceof Parameter,
    )
  }

  /** @internal This module's direct submodules, in property order. */
  _ownModules(): Array<[string, Module]> {
    return Object.entries(this).filter(
      (entry): entry is [string, Module] => !entry[0].startsWith('_') && entry[1] instanceof Module,
    )
  }

  // ---- traversal ------------------------------------------------------------------------------

  /** Returns every module in the tree, this one first (with name `prefix`), each once. */
  namedModules(prefix = '', memo: Set<Module> = new Set()): Array<[string, Module]> {
    if (memo.has(this)) return []
    memo.add(this)
    const out: Array<[string, Module]> = [[prefix, this]]
    for (const [name, child] of this._ownModules()) {
      out.push(...child.namedModules(prefix ? `${prefix}.${name}` : name, memo))
    }
    return out
  }

  modules(): Module[] {
    return this.namedModules().map(([, module]) => module)
  }

  /** Returns the direct submodules, each once. */
  namedChildren(): Array<[string, Module]> {
    const seen = new Set<Module>()
    const out: Array<[string, Module]> = []
    for (const [name, child] of this._ownModules()) {
      if (seen.has(child)) continue
      seen.add(child)
      out.push([name, child])
    }
    return out
  }

  children(): Module[] {
    return this.namedChildren().map(([, child]) => child)
  }

  /** Parameters by dotted name ('fc.weight'), each once even where modules share one. */
  namedParameters(prefix = '', recurse = true): Array<[string, Parameter]> {
    const seen = new Set<Parameter>()
    const out: Array<[string, Parameter]> = []
    const modules: Array<[string, Module]> = recurse ? this.namedModules(prefix) : [[prefix, this]]
    for (const [modulePrefix, module] of modules) {
      for (const [name, param] of module._ownParameters()) {
        if (seen.has(param)) continue
        seen.add(param)
        out.push([modulePrefix ? `${modulePrefix}.${name}` : name, param])
      }
    }
    return out
  }

  parameters(recurse = true): Parameter[] {
    return this.namedParameters('', recurse).map(([, param]) => param)
  }

  /** Buffers by dotted name ('bn.running_mean'), persistent or not, each once. */
  namedBuffers(prefix = '', recurse = true): Array<[string, Tensor]> {
    const seen = new Set<Tensor>()
    const out: Array<[string, Tensor]> = []
    const modules: Array<[string, Module]> = recurse ? this.namedModules(prefix) : [[prefix, this]]
    for (const [modulePrefix, module] of modules) {
      for (const [name, buffer] of module._buffers) {
        if (buffer === null || seen.has(buffer)) continue
        seen.add(buffer)
        out.push([modulePrefix ? `${modulePrefix}.${name}` : name, buffer])
      }
    }
    return out
  }

  buffers(recurse = true): Tensor[] {
    return this.namedBuffers('', recurse).map(([, buffer]) => buffer)
  }

  /** Returns the buffer registered as `name` on this module, or null. */
  getBuffer(name: string): Tensor | null {
    return this._buffers.get(name) ?? null
  }

  /** Total number of parameter elements, for display; only those that require grad if asked. */
  numParameters(options: { onlyTrainable?: boolean } = {}): number {
    return this.parameters()
      .filter((param) => !options.onlyTrainable || param.requiresGrad)
      .reduce((total, param) => total + param.numel(), 0)
  }

  // ---- modes and bulk operations ----------------------------------------------------------------

  /** Sets training mode on this module and every submodule (dropout and batch norm depend on it). */
  train(mode = true): this {
    if (typeof mode !== 'boolean') {
      throw new EngineError('INVALID_ARGUMENT', `training mode is expected to be boolean, got ${String(mode)}`)
    }
    this.training = mode
    for (const child of this.children()) child.train(mode)
    return this
  }

  eval(): this {
    return this.train(false)
  }

  /** Turns gradient recording for every parameter on or off, for example to freeze a discriminator. */
  requiresGrad_(requiresGrad = true): this {
    for (const param of this.parameters()) param.requiresGrad_(requiresGrad)
    return this
  }

  /** Clears the parameters' gradients: drops them (the default, as PyTorch 2) or fills them with zeros. */
  zeroGrad(options: { setToNone?: boolean } = {}): void {
    const setToNone = options.setToNone ?? true
    for (const param of this.parameters()) {
      const grad = param.grad
      if (grad === null) continue
      if (setToNone) param.grad = null
      else grad.zero_()
    }
  }

  /** Calls `fn` on every submodule and then on this one, as PyTorch's `apply` (for custom init). */
  apply(fn: (module: Module) => void): this {
    for (const child of this.children()) child.apply(fn)
    fn(this)
    return this
  }

  /** Returns this module once every parameter and buffer is on `device`; the engine runs on one device. */
  to(device: Device | string): this {
    for (const param of this.parameters()) param.to(device)
    for (const buffer of this.buffers()) buffer.to(device)
    return this
  }

  /** Frees every parameter, gradient and buffer of the tree now; the module is unusable afterwards. */
  dispose(): void {
    for (const param of this.parameters()) {
      param.grad = null
      param.dispose()
    }
    for (const buffer of this.buffers()) buffer.dispose()
  }

  // ---- state ----------------------------------------------------------------------------------

  /**
   * Returns the parameters and persistent buffers by PyTorch's keys, in PyTorch's order: each module's own
   * parameters, then its buffers, then its submodules'. Values share storage with the module
   * (detached unless `keepVars`), so they follow later updates, as in PyTorch.
   */
  stateDict(options: { prefix?: string; keepVars?: boolean } = {}): StateDict {
    const out: StateDict = {}
    this._collectState(out, options.prefix ?? '', options.keepVars ?? false)
    return out
  }

  /** @internal */
  _collectState(out: StateDict, prefix: string, keepVars: boolean): void {
    for (const [name, param] of this._ownParameters()) out[prefix + name] = keepVars ? param : param.detach()
    for (const [name, buffer] of this._buffers) {
      if (buffer === null || this._nonPersistentBuffers.has(name)) continue
      out[prefix + name] = keepVars ? buffer : buffer.detach()
    }
    for (const [name, child] of this._ownModules()) child._collectState(out, `${prefix}${name}.`, keepVars)
  }

  /**
   * Copies values into the parameters and buffers in place (bumping their versions, so optimizers
   * holding them keep working), checking keys and shapes first with PyTorch's messages. With
   * `strict` (the default) missing and unexpected keys are errors; shape mismatches always are.
   * Unlike PyTorch, nothing is copied when any check fails.
   */
  loadStateDict(stateDict: StateDict, options: { strict?: boolean } = {}): LoadStateDictResult {
    const strict = options.strict ?? true
    const targets = this.stateDict({ keepVars: true })
    const has = (key: string): boolean => Object.prototype.hasOwnProperty.call(stateDict, key)
    const missingKeys = Object.keys(targets).filter((key) => !has(key))
    const unexpectedKeys = Object.keys(stateDict).filter((key) => !(key in targets))

    const problems: string[] = []
    const copies: Array<[Tensor, Tensor]> = []
    for (const [key, target] of Object.entries(targets)) {
      if (!has(key)) continue
      const value: unknown = stateDict[key]
      if (!isTensor(value)) {
        problems.push(`While copying the parameter named "${key}", expected a Tensor from checkpoint but received ${typeof value}`)
      } else if (!sameShape(value.shape, target.shape)) {
        problems.push(
          `size mismatch for ${key}: copying a param with shape ${formatShape(value.shape)} from checkpoint, ` +
            `the shape in current model is ${formatShape(target.shape)}.`,
        )
      } else {
        copies.push([target, value])
      }
    }

    if (strict) {
      const quoted = (keys: string[]): string => keys.map((key) => `"${key}"`).join(', ')
      if (unexpectedKeys.length > 0) problems.unshift(`Unexpected key(s) in state_dict: ${quoted(unexpectedKeys)}. `)
      if (missingKeys.length > 0) problems.unshift(`Missing key(s) in state_dict: ${quoted(missingKeys)}. `)
    }

    if (problems.length > 0) {
      throw new EngineError(
        'INVALID_ARGUMENT',
        `Error(s) in loading state_dict for ${this._getName()}:\n\t${problems.join('\n\t')}`,
      )
    }
    noGrad(() => {
      for (const [target, value] of copies) target.copy_(value)
    })
    return { missingKeys, unexpectedKeys }
  }

  // ---- display --------------------------------------------------------------------------------

  /** Returns the text inside the parentheses of this module's repr, such as `in_features=2, out_features=3`. */
  extraRepr(): string {
    return ''
  }

  /** @internal */
  _getName(): string {
    return this.constructor.name
  }

  /** A repr in PyTorch's layout, with children indented by two spaces. */
  toString(): string {
    const extraLines = this.extraRepr() ? this.extraRepr().split('\n') : []
    const childLines = this._ownModules().map(([name, child]) => `(${name}): ${indentTail(child.toString(), 2)}`)
    const lines = [...extraLines, ...childLines]
    let body = ''
    if (extraLines.length === 1 && childLines.length === 0) body = extraLines[0]
    else if (lines.length > 0) body = `\n  ${lines.join('\n  ')}\n`
    return `${this._getName()}(${body})`
  }

  [inspectSymbol](): string {
    return this.toString()
  }
}
