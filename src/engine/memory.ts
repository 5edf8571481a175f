/**
 * Note [Memory ownership]
 * tfjs tensors are not freed by the garbage collector, so the engine tracks every buffer it makes.
 * Each engine tensor's data lives in a `Storage` (shared by `detach()`, `.data` and views, which also
 * share its version counter). A storage, a view's own buffer and an intermediate saved for backward
 * are each registered in the innermost open `scope`. When the scope closes it disposes what was
 * registered in it, except what the scope returns or what `keep()` marked, which moves to the
 * enclosing scope. Outside every scope nothing is freed automatically (call `dispose()`), as in tfjs.
 *
 * In-place updates (`add_`, optimizer steps) replace the storage's buffer but keep the storage
 * where it was registered, so a parameter made at top level survives a training step's scope.
 */

export interface Disposable {
  dispose(): void
  /** The scope that holds this item, kept current by `Scope.track` and `Scope.release`. */
  owner?: Scope
}

export class Scope {
  readonly items = new Set<Disposable>()
  closed = false

  constructor(readonly parent: Scope | null) {}

  track<T extends Disposable>(item: T): T {
    this.items.add(item)
    item.owner = this
    return item
  }

  /** Moves `item` from this scope to `target`, for results that outlive this scope. */
  release(item: Disposable, target: Scope): void {
    if (this.items.delete(item)) target.track(item)
  }
}

/** The outermost scope. It is never closed, so what it holds lives until disposed by hand. */
export const rootScope = new Scope(null)
let current: Scope = rootScope

export function currentScope(): Scope {
  return current
}

export function openScope(): Scope {
  current = new Scope(current)
  return current
}

/** Closes `scope`, disposing everything it still holds. */
export function closeScope(scope: Scope): void {
  if (scope !== current) throw new Error('engine scopes must close in the order they were opened')
  scope.closed = true
  current = scope.parent ?? rootScope
  for (const item of scope.items) item.dispose()
  scope.items.clear()
}

/** Runs `fn` with `scope` as the innermost scope, so what it makes is registered there. */
export function runInScope<T>(scope: Scope, fn: () => T): T {
  const saved = current
  current = scope
  try {
    return fn()
  } finally {
    current = saved
  }
}
