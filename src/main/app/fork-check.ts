import { ServiceError } from './errors'

/** Settings a fork cannot change: the checkpoint's weights and optimizer state depend on them. */
const structuralKeys = ['dataset', 'imageSize', 'model', 'grouping'] as const

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

function collectChanges(change: unknown, base: unknown, path: string, issues: Array<{ path: string; message: string }>): void {
  // The run configuration schema drops keys it does not know, so they change nothing.
  if (base === undefined) return
  if (isPlainObject(change) && isPlainObject(base)) {
    for (const [key, value] of Object.entries(change)) collectChanges(value, base[key], `${path}.${key}`, issues)
    return
  }
  if (JSON.stringify(change) !== JSON.stringify(base)) {
    issues.push({ path, message: `a fork keeps the parent's ${JSON.stringify(base)}, got ${JSON.stringify(change)}` })
  }
}

/**
 * Raises INVALID_CONFIG, with one issue per changed field, when fork `changes` alter the parent's
 * dataset, image size, model or optimizer grouping. The trainer would reject them too, but by then
 * without the field's path.
 */
export function checkForkKeepsStructure(parentConfig: unknown, changes: Record<string, unknown>): void {
  const parent = isPlainObject(parentConfig) ? parentConfig : {}
  const issues: Array<{ path: string; message: string }> = []
  for (const key of structuralKeys) {
    if (Object.hasOwn(changes, key)) collectChanges(changes[key], parent[key], key, issues)
  }
  if (issues.length > 0) {
    throw new ServiceError(
      'INVALID_CONFIG',
      `invalid fork: ${issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ')}. ` +
        "A fork starts from the parent's checkpoint, whose weights and optimizer state depend on the dataset, image size, model and grouping; start a new run to change them.",
      issues,
    )
  }
}
