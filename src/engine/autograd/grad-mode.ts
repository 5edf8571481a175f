let gradEnabled = true

export function isGradEnabled(): boolean {
  return gradEnabled
}

function withGradMode<T>(enabled: boolean, fn: () => T): T {
  const previous = gradEnabled
  gradEnabled = enabled
  try {
    return fn()
  } finally {
    gradEnabled = previous
  }
}

/** Runs `fn` without recording a graph, like `with torch.no_grad():`. */
export function noGrad<T>(fn: () => T): T {
  return withGradMode(false, fn)
}

/** Runs `fn` with recording on, even inside `noGrad`, like `with torch.enable_grad():`. */
export function enableGrad<T>(fn: () => T): T {
  return withGradMode(true, fn)
}

/** Turns recording on or off until changed again, like `torch.set_grad_enabled(mode)`. */
export function setGradEnabled(enabled: boolean): void {
  gradEnabled = enabled
}
