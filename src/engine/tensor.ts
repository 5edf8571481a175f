import { tf } from './tf'
import type { Handle } from './tf'
import { EngineError, check, formatShape } from './errors'
import { type Disposable, type Scope, currentScope, runInScope } from './memory'
import { AccumulateGrad, type Node } from './autograd/node'
import { isGradEnabled, noGrad } from './autograd/grad-mode'
import { runBackward } from './autograd/backward'
import { defaultGenerator, type Generator } from './random'
import { currentDevice, type Device } from './device'
import { K } from './kernels'
import * as E from './ops/elementwise'
import * as A from './ops/activation'
import * as R from './ops/reduce'
import * as S from './ops/shape'
import * as L from './ops/linalg'
import { formatTensor } from './format'

export type Dtype = 'float32' | 'int32' | 'bool'
export type Scalar = number
export type TensorLike = Tensor | number

/** The buffer behind a tensor and its aliases (`detach()`, `.data`, views), with their shared version counter. */
export class Storage implements Disposable {
  owner?: Scope
  version = 0

  constructor(public value: Handle) {}

  /** Replaces the buffer after an in-place update and bumps the version, as every in-place op does. */
  replace(next: Handle): void {
    if (next !== this.value) this.value.dispose()
    this.value = next
    this.version++
  }

  dispose(): void {
    this.value.dispose()
    this.owner?.items.delete(this)
  }
}

/** A view's own buffer, derived from its storage and recomputed after an in-place change of the storage. */
class ViewBuffer implements Disposable {
  owner?: Scope

  constructor(
    public value: Handle,
    public version: number,
    readonly derive: (base: Handle) => Handle,
  ) {}

  dispose(): void {
    this.value.dispose()
    this.owner?.items.delete(this)
  }
}

const inspectSymbol = Symbol.for('nodejs.util.inspect.custom')

export class Tensor {
  /** @internal */ _storage: Storage
  /** @internal */ _view: ViewBuffer | null
  /** @internal */ _gradFn: Node | null
  /** @internal */ _requiresGrad: boolean
  /** @internal */ _grad: Tensor | null = null
  /** @internal */ _accumulator: AccumulateGrad | null = null
  /** @internal */ _retainsGrad = false

  /** @internal Use `tensor()`, `zeros()` and the other factories. */
  constructor(storage: Storage, view: ViewBuffer | null, gradFn: Node | null, requiresGrad: boolean) {
    this._storage = storage
    this._view = view
    this._gradFn = gradFn
    this._requiresGrad = requiresGrad
  }

  // ---- data and metadata --------------------------------------------------------------------

  /** The tfjs tensor holding this tensor's values, owned by the engine. Do not dispose it. */
  get value(): Handle {
    const view = this._view
    if (view === null) {
      const value = this._storage.value
      if (value.isDisposed) throw disposedError(this)
      return value
    }
    if (view.version !== this._storage.version) {
      // The storage changed in place since this view was made: derive the view again.
      if (this._storage.value.isDisposed) throw disposedError(this)
      const next = tf.tidy(() => view.derive(this._storage.value))
      view.value.dispose()
      view.value = next
      view.version = this._storage.version
    }
    if (view.value.isDisposed) throw disposedError(this)
    return view.value
  }

  get shape(): number[] {
    return this.value.shape.slice()
  }

  get dtype(): Dtype {
    return this.value.dtype as Dtype
  }

  get device(): Device {
    return currentDevice()
  }

  get ndim(): number {
    return this.value.rank
  }

  /** Number of elements. */
  numel(): number {
    return this.value.size
  }

  size(dim?: number): number | number[] {
    return dim === undefined ? this.shape : this.shape[normalizeDim(dim, this.ndim)]
  }

  dim(): number {
    return this.ndim
  }

  get requiresGrad(): boolean {
    return this._requiresGrad
  }

  set requiresGrad(flag: boolean) {
    this.requiresGrad_(flag)
  }

  get gradFn(): Node | null {
    return this._gradFn
  }

  /** True for tensors that do not require grad, and for those that do but were made by the user. */
  get isLeaf(): boolean {
    return this._gradFn === null
  }

  /** The accumulated gradient. Null for a non-leaf unless `retainGrad()` was called, as in PyTorch. */
  get grad(): Tensor | null {
    return this._grad
  }

  set grad(value: Tensor | null) {
    if (value !== null) {
      check(
        sameShape(value.shape, this.shape),
        () => `assigned grad has shape ${formatShape(value.shape)}, but the tensor has shape ${formatShape(this.shape)}`,
      )
    }
    if (this._grad && this._grad !== value) this._grad._storage.dispose()
    this._grad = value
  }

  /** The version counter shared by every alias and view of this tensor's storage. */
  get _version(): number {
    return this._storage.version
  }

  /**
   * A tensor sharing this one's storage but outside the graph, as PyTorch's `.data`.
   * Assigning `.data = other` makes this tensor use `other`'s storage (and shape).
   */
  get data(): Tensor {
    return this.detach()
  }

  set data(other: Tensor) {
    const source = other._view ? other.clone() : other
    this._storage = source._storage
    this._view = null
  }

  requiresGrad_(flag = true): this {
    if (!this.isLeaf) {
      throw new EngineError(
        'NON_LEAF_REQUIRES_GRAD',
        `you can only change requiresGrad flags of leaf tensors; this one was made by ${this._gradFn?.name}. ` +
          'If you want a non-leaf tensor that does not require grad, use t.detach().',
      )
    }
    if (flag && this.dtype !== 'float32') {
      throw new EngineError(
        'INVALID_ARGUMENT',
        `only tensors of floating point dtype can require gradients, this one is ${this.dtype}`,
      )
    }
    this._requiresGrad = flag
    return this
  }

  /** Keeps `.grad` for this non-leaf tensor on the next backward, like PyTorch's `retain_grad()`. */
  retainGrad(): this {
    if (!this._requiresGrad) {
      throw new EngineError('NO_GRAD_FN', "can't retainGrad on a tensor that has requiresGrad=false")
    }
    if (this.isLeaf || this._retainsGrad) return this
    this._retainsGrad = true
    const node = this._gradFn as Node
    ;(node.retained ??= []).push(this)
    return this
  }

  get retainsGrad(): boolean {
    return this._retainsGrad
  }

  /** A new tensor sharing storage and version counter, with no history and requiresGrad false. */
  detach(): Tensor {
    const view = this._view
      ? registerView(new ViewBuffer(K.clone(this.value), this._storage.version, this._view.derive))
      : null
    return new Tensor(this._storage, view, null, false)
  }

  detach_(): this {
    this._gradFn = null
    this._requiresGrad = false
    return this
  }

  item(): number {
    const count = this.numel()
    if (count !== 1) {
      throw new EngineError(
        'INVALID_ARGUMENT',
        `a Tensor with ${count} elements cannot be converted to a Scalar; reduce it first (sum(), mean()) or use tolist()`,
      )
    }
    return K.read(this.value)[0]
  }

  /** Returns the values as nested arrays, like PyTorch's `tolist()`. */
  tolist(): unknown {
    return this.value.arraySync()
  }

  /** Returns a copy of the values as a flat typed array. */
  toArray(): Float32Array | Int32Array | Uint8Array {
    return K.read(this.value).slice()
  }

  /** Returns a copy of the values as a flat typed array, without blocking a GPU backend. */
  async toArrayAsync(): Promise<Float32Array | Int32Array | Uint8Array> {
    return (await K.readAsync(this.value)).slice()
  }

  /** Returns this tensor if it is already on `device`; the engine runs every tensor on one device. */
  to(device: Device | string): Tensor {
    const target = device === 'gpu' ? 'cuda' : device
    if (target === this.device) return this
    throw new EngineError(
      'BACKEND_UNAVAILABLE',
      `cannot move a tensor to '${device}': the engine runs on one device, '${this.device}'. ` +
        "Choose the backend at start (GANWB_BACKEND=tfjs-node-gpu for CUDA) instead of moving tensors.",
    )
  }

  cpu(): Tensor {
    return this.to('cpu')
  }

  /** Frees this tensor's memory now, and that of every alias sharing its storage. */
  dispose(): void {
    this._view?.dispose()
    this._storage.dispose()
  }

  get isDisposed(): boolean {
    return this._view ? this._view.value.isDisposed : this._storage.value.isDisposed
  }

  // ---- autograd -----------------------------------------------------------------------------

  backward(gradient?: Tensor, options: { retainGraph?: boolean } = {}): void {
    runBackward(this, gradient, options.retainGraph ?? false)
  }

  /** @internal The node that accumulates into this leaf's `.grad`; one per leaf, so uses are summed. */
  _gradAccumulator(): AccumulateGrad {
    return (this._accumulator ??= new AccumulateGrad(this))
  }

  /** @internal Moves this tensor's buffers held by scope `from` to scope `to`, for tensors a scope returns. */
  _moveBuffers(from: Scope, to: Scope): void {
    if (this._storage.owner === from) from.release(this._storage, to)
    if (this._view && this._view.owner === from) from.release(this._view, to)
    const grad = this._grad
    if (grad) grad._moveBuffers(from, to)
  }

  // ---- in-place updates ---------------------------------------------------------------------

  /** @internal Applies an in-place update: computes the new buffer and bumps the shared version. */
  _inplace(opName: string, compute: (current: Handle) => Handle): this {
    if (isGradEnabled() && this._requiresGrad) {
      if (this.isLeaf) {
        throw new EngineError(
          'LEAF_INPLACE',
          `a leaf tensor that requires grad (shape ${formatShape(this.shape)}) is being used in an in-place ` +
            `operation (${opName}). Wrap the update in noGrad(() => ...) or apply it to t.data.`,
        )
      }
      // NOTE: PyTorch records in-place ops on non-leaf tensors in the graph; the engine does not yet.
      throw new EngineError(
        'NOT_SUPPORTED',
        `${opName} on a tensor that is part of a graph (made by ${this._gradFn?.name}) is not supported. ` +
          'Use the out-of-place op instead (add for add_, mul for mul_).',
      )
    }
    if (this._view) {
      throw new EngineError(
        'NOT_SUPPORTED',
        `${opName} on a view (a reshaped, transposed or sliced tensor) is not supported: views are ` +
          'read-only in this engine. Apply it to the tensor the view was made from.',
      )
    }
    const current = this.value
    const next = tf.tidy(() => {
      let result = compute(current)
      if (!sameShape(result.shape, current.shape)) {
        throw new EngineError(
          'SHAPE_MISMATCH',
          `${opName}: the result has shape ${formatShape(result.shape)}, which cannot be written into a tensor of shape ${formatShape(current.shape)}`,
        )
      }
      if (result.dtype !== current.dtype) result = K.cast(result, current.dtype)
      return result
    })
    this._storage.replace(next)
    return this
  }

  add_(other: TensorLike, alpha = 1): this {
    return this._inplace('add_', (x) => withOperand(other, (y) => K.add(x, alpha === 1 ? y : K.mul(y, scalarHandle(alpha)))))
  }

  sub_(other: TensorLike, alpha = 1): this {
    return this.add_(typeof other === 'number' ? -other : other, typeof other === 'number' ? alpha : -alpha)
  }

  mul_(other: TensorLike): this {
    return this._inplace('mul_', (x) => withOperand(other, (y) => K.mul(x, y)))
  }

  div_(other: TensorLike): this {
    return this._inplace('div_', (x) => withOperand(other, (y) => K.div(x, y)))
  }

  clamp_(min: number | null, max: number | null): this {
    return this._inplace('clamp_', (x) => K.clip(x, min ?? -Infinity, max ?? Infinity))
  }

  zero_(): this {
    return this.fill_(0)
  }

  fill_(value: number): this {
    return this._inplace('fill_', (x) => K.fill(x.shape, value, x.dtype))
  }

  copy_(source: Tensor): this {
    return this._inplace('copy_', (x) => K.broadcastTo(source.value, x.shape))
  }

  normal_(mean = 0, std = 1, generator: Generator = defaultGenerator): this {
    return this._inplace('normal_', (x) => K.fromValues(generator.fillNormal(new Float32Array(x.size), mean, std), x.shape, 'float32'))
  }

  uniform_(low = 0, high = 1, generator: Generator = defaultGenerator): this {
    return this._inplace('uniform_', (x) => K.fromValues(generator.fillUniform(new Float32Array(x.size), low, high), x.shape, 'float32'))
  }

  // ---- ops, PyTorch names -------------------------------------------------------------------

  add(other: TensorLike, alpha?: number): Tensor { return E.add(this, other, alpha) }
  sub(other: TensorLike, alpha?: number): Tensor { return E.sub(this, other, alpha) }
  rsub(other: TensorLike): Tensor { return E.sub(other, this) }
  mul(other: TensorLike): Tensor { return E.mul(this, other) }
  div(other: TensorLike): Tensor { return E.div(this, other) }
  neg(): Tensor { return E.neg(this) }
  pow(exponent: TensorLike): Tensor { return E.pow(this, exponent) }
  exp(): Tensor { return E.exp(this) }
  log(): Tensor { return E.log(this) }
  sqrt(): Tensor { return E.sqrt(this) }
  abs(): Tensor { return E.abs(this) }
  square(): Tensor { return E.pow(this, 2) }
  clamp(min: number | null, max: number | null = null): Tensor { return E.clamp(this, min, max) }
  clip(min: number | null, max: number | null = null): Tensor { return E.clamp(this, min, max) }
  maximum(other: Tensor): Tensor { return E.maximum(this, other) }
  minimum(other: Tensor): Tensor { return E.minimum(this, other) }
  gt(other: TensorLike): Tensor { return E.compare('greater', this, other) }
  ge(other: TensorLike): Tensor { return E.compare('greaterEqual', this, other) }
  lt(other: TensorLike): Tensor { return E.compare('less', this, other) }
  le(other: TensorLike): Tensor { return E.compare('lessEqual', this, other) }
  eq(other: TensorLike): Tensor { return E.compare('equal', this, other) }

  relu(): Tensor { return A.relu(this) }
  leakyRelu(negativeSlope = 0.01): Tensor { return A.leakyRelu(this, negativeSlope) }
  sigmoid(): Tensor { return A.sigmoid(this) }
  tanh(): Tensor { return A.tanh(this) }
  softplus(beta = 1, threshold = 20): Tensor { return A.softplus(this, beta, threshold) }
  logSoftmax(dim: number): Tensor { return A.logSoftmax(this, dim) }
  softmax(dim: number): Tensor { return A.softmax(this, dim) }

  sum(dim?: number | number[] | null, keepdim = false): Tensor { return R.sum(this, dim ?? null, keepdim) }
  mean(dim?: number | number[] | null, keepdim = false): Tensor { return R.mean(this, dim ?? null, keepdim) }
  /** Maximum of all elements, or `{ values, indices }` along `dim`, as PyTorch's `max`. */
  max(): Tensor
  max(dim: number, keepdim?: boolean): { values: Tensor; indices: Tensor }
  max(dim?: number, keepdim = false): Tensor | { values: Tensor; indices: Tensor } {
    return dim === undefined ? R.maxAll(this) : R.maxDim(this, dim, keepdim)
  }
  amax(dim: number | number[] | null = null, keepdim = false): Tensor { return R.amax(this, dim, keepdim) }
  argmax(dim?: number, keepdim = false): Tensor { return R.argmax(this, dim, keepdim) }

  matmul(other: Tensor): Tensor { return L.matmul(this, other) }
  mm(other: Tensor): Tensor { return L.mm(this, other) }

  t(): Tensor { return S.t(this) }
  get T(): Tensor { return S.permute(this, [...Array(this.ndim).keys()].reverse()) }
  transpose(dim0: number, dim1: number): Tensor { return S.transpose(this, dim0, dim1) }
  permute(...dims: number[] | [number[]]): Tensor { return S.permute(this, flatArgs(dims)) }
  reshape(...shape: number[] | [number[]]): Tensor { return S.reshape(this, flatArgs(shape), 'ViewBackward0') }
  view(...shape: number[] | [number[]]): Tensor { return S.reshape(this, flatArgs(shape), 'ViewBackward0') }
  viewAs(other: Tensor): Tensor { return S.reshape(this, other.shape, 'ViewBackward0') }
  flatten(startDim = 0, endDim = -1): Tensor { return S.flatten(this, startDim, endDim) }
  unflatten(dim: number, sizes: number[]): Tensor { return S.unflatten(this, dim, sizes) }
  squeeze(dim?: number): Tensor { return S.squeeze(this, dim) }
  unsqueeze(dim: number): Tensor { return S.unsqueeze(this, dim) }
  expand(...shape: number[] | [number[]]): Tensor { return S.expand(this, flatArgs(shape)) }
  select(dim: number, index: number): Tensor { return S.select(this, dim, index) }
  narrow(dim: number, start: number, length: number): Tensor { return S.narrow(this, dim, start, length) }
  /**
   * Indexing as `t[...]` in PyTorch, one spec per leading dimension: a number selects (and drops the
   * dimension), `null` keeps all, `[start, end]` slices (negative values count from the end).
   */
  index(...specs: S.IndexSpec[]): Tensor { return S.index(this, specs) }
  clone(): Tensor { return E.clone(this) }
  contiguous(): Tensor { return this }
  float(): Tensor { return E.cast(this, 'float32') }
  int(): Tensor { return E.cast(this, 'int32') }

  toString(): string {
    return formatTensor(this)
  }

  [inspectSymbol](): string {
    return formatTensor(this)
  }
}

function flatArgs(args: number[] | [number[]]): number[] {
  return Array.isArray(args[0]) ? (args[0] as number[]) : (args as number[])
}

function disposedError(tensor: Tensor): EngineError {
  const made = tensor._gradFn ? ` (made by ${tensor._gradFn.name})` : ''
  return new EngineError(
    'DISPOSED',
    `this tensor${made} was freed: the scope that made it has closed, or dispose() was called. ` +
      'Return it from the scope function, or call keep(tensor) inside the scope, to use it afterwards.',
  )
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((size, i) => size === b[i])
}

export function normalizeDim(dim: number, rank: number): number {
  const low = rank === 0 ? -1 : -rank
  const high = rank === 0 ? 0 : rank - 1
  if (!Number.isInteger(dim) || dim < low || dim > high) {
    throw new EngineError(
      'INVALID_ARGUMENT',
      `Dimension out of range (expected to be in range of [${low}, ${high}], but got ${dim})`,
    )
  }
  return dim < 0 ? dim + Math.max(rank, 1) : dim
}

function registerView(view: ViewBuffer): ViewBuffer {
  return currentScope().track(view)
}

// ---- construction helpers used by ops ---------------------------------------------------------

/** @internal Wraps a new handle as a tensor with its own storage, registered in the current scope. */
export function fromHandle(value: Handle, gradFn: Node | null = null, requiresGrad = gradFn !== null): Tensor {
  const storage = currentScope().track(new Storage(value))
  return new Tensor(storage, null, gradFn, requiresGrad)
}

/**
 * @internal Makes a view of `base`: a tensor sharing its storage and version counter whose values are
 * `derive(base values)`. `value` is the derived handle, already computed by the caller.
 */
export function makeView(base: Tensor, value: Handle, derive: (x: Handle) => Handle, gradFn: Node | null): Tensor {
  const parent = base._view
  const fromStorage = parent ? (x: Handle) => derive(parent.derive(x)) : derive
  const view = registerView(new ViewBuffer(value, base._storage.version, fromStorage))
  return new Tensor(base._storage, view, gradFn, gradFn !== null)
}

/** @internal Adds `grad` into `tensor.grad`, creating it in the scope that contains the tensor's storage. */
export function accumulateGrad(tensor: Tensor, grad: Handle): void {
  const existing = tensor._grad
  if (existing === null || existing.isDisposed) {
    const owner = tensor._storage.owner ?? currentScope()
    tensor._grad = runInScope(owner, () => fromHandle(grad, null, false))
    return
  }
  // Accumulate in place, so that references to `.grad` taken before see the sum, as in PyTorch.
  const sum = K.add(existing.value, grad)
  grad.dispose()
  existing._storage.replace(sum)
}

// ---- scalars ----------------------------------------------------------------------------------

const scalarCache = new Map<number, Handle>()
const scalarCacheLimit = 512

/**
 * Returns a float32 scalar handle for `value`. Frequent constants (0.5, 1, 2, learning rates) are cached for
 * the life of the engine, so the per-op cost of a number operand is a map lookup.
 */
export function scalarHandle(value: number): Handle {
  const cached = scalarCache.get(value)
  if (cached && !cached.isDisposed) return cached
  const handle = tf.keep(K.fill([], value, 'float32'))
  if (scalarCache.size < scalarCacheLimit) scalarCache.set(value, handle)
  else transientScalars.push(handle)
  return handle
}

// Scalars made after the cache filled; freed by `disposeTransientScalars` after the op that used them.
const transientScalars: Handle[] = []

export function disposeTransientScalars(): void {
  for (const handle of transientScalars) handle.dispose()
  transientScalars.length = 0
}

/** Runs `fn` with `operand` as a handle (a cached scalar for numbers). */
export function withOperand<T>(operand: TensorLike, fn: (handle: Handle) => T): T {
  if (typeof operand !== 'number') return fn(operand.value)
  try {
    return fn(scalarHandle(operand))
  } finally {
    if (transientScalars.length > 0) disposeTransientScalars()
  }
}

export function isTensor(value: unknown): value is Tensor {
  return value instanceof Tensor
}

export { noGrad }
