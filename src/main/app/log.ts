/**
 * The service's log: starts, stops and every error it catches and does not raise again. Electron's
 * main process and the serve command both write it to stderr; tests pass their own to read it.
 */
export interface Logger {
  info(message: string): void
  warn(message: string): void
  error(message: string): void
}

const stamp = (): string => new Date().toISOString()

export const stderrLogger: Logger = {
  info: (message) => process.stderr.write(`${stamp()} info  ${message}\n`),
  warn: (message) => process.stderr.write(`${stamp()} warn  ${message}\n`),
  error: (message) => process.stderr.write(`${stamp()} error ${message}\n`),
}

/** Creates a logger that keeps every line in memory, for tests and for callers that show the log themselves. */
export function memoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = []
  return {
    lines,
    info: (message) => lines.push(`info ${message}`),
    warn: (message) => lines.push(`warn ${message}`),
    error: (message) => lines.push(`error ${message}`),
  }
}
