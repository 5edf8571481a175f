/**
 * The Fork dialog's form as plain data: the settings a fork may change, filled from the parent's
 * configuration, checked with the New run form's limits, and turned into the `changes` of
 * `training.fork`. Only changed values are sent, so every other setting stays the parent's.
 */
import { lossTypes, specByPath } from './config-fields'
import { parseNumberField, readPath, type FieldProblem } from './config-form'

/** Settings a fork can change. The checkpoint fixes the dataset, model and grouping. */
export const forkFieldPaths = ['optimizerG.lr', 'optimizerD.lr', 'dSteps', 'gSteps', 'loss', 'labelSmoothing', 'steps'] as const
export type ForkFieldPath = (typeof forkFieldPaths)[number]
export type ForkValues = Record<ForkFieldPath, string>

export function forkValuesFrom(config: Record<string, unknown>): ForkValues {
  const values = {} as ForkValues
  for (const path of forkFieldPaths) {
    const value = readPath(config, path)
    values[path] = value === undefined || value === null ? '' : String(value)
  }
  return values
}

/**
 * Checks the values and returns the nested `changes` for `training.fork` with the values that differ
 * from the parent's, or the problems by field path.
 */
export function forkChanges(
  values: ForkValues,
  parent: Record<string, unknown>,
): { changes: Record<string, unknown>; problems: Map<ForkFieldPath, FieldProblem> } {
  const problems = new Map<ForkFieldPath, FieldProblem>()
  const changes: Record<string, unknown> = {}
  for (const path of forkFieldPaths) {
    let value: unknown
    if (path === 'loss') {
      if (!(lossTypes as readonly string[]).includes(values.loss)) {
        problems.set(path, { key: 'validation.choice' })
        continue
      }
      value = values.loss
    } else {
      const spec = specByPath.get(path)
      if (spec?.kind !== 'number') throw new Error(`the fork field ${path} has no number limits in config-fields.ts`)
      const parsed = parseNumberField(spec, values[path])
      if ('problem' in parsed) {
        problems.set(path, parsed.problem)
        continue
      }
      value = parsed.value
    }
    if (value === readPath(parent, path)) continue
    const [head, tail] = path.split('.')
    if (tail === undefined) changes[head] = value
    else changes[head] = { ...(changes[head] as Record<string, unknown> | undefined), [tail]: value }
  }
  return { changes, problems }
}
