/**
 * The New run form as plain data: raw text per field (so a half-typed value can be shown and marked),
 * which fields apply to the chosen settings, validation with the limits of config-fields.ts, and the
 * run configuration sent to `training.start`.
 */
import { fieldSpecs, optimizerSettings, specByPath, type FieldSpec, type NumberField, type OptimizerType } from './config-fields'

/** Text of number fields, option of choices, flag of checkboxes; keyed by dotted config path. */
export type FormValues = Record<string, string | boolean>

/** A validation problem as a catalogue key with its values, so it shows in the chosen language. */
export interface FieldProblem {
  key: string
  params?: Record<string, string | number>
}

/** The facts about the chosen dataset that some checks depend on. */
export interface DatasetTraits {
  kind: 'image' | 'points' | null
  /** Number of classes; null for unlabelled or not yet inspected sets. */
  classes: number | null
}

export function readPath(source: unknown, path: string): unknown {
  let value = source
  for (const part of path.split('.')) {
    if (typeof value !== 'object' || value === null) return undefined
    value = (value as Record<string, unknown>)[part]
  }
  return value
}

function writePath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.')
  let node: Record<string, unknown> = target
  for (let i = 0; i < parts.length - 1; i++) {
    const nextIsIndex = /^\d+$/.test(parts[i + 1])
    node[parts[i]] ??= nextIsIndex ? [] : {}
    node = node[parts[i]] as Record<string, unknown>
  }
  node[parts.at(-1) as string] = value
}

/** Fills the form from a run configuration (the server's defaults, or a stored run's settings). */
export function formFromConfig(config: Record<string, unknown>): FormValues {
  const values: FormValues = {}
  for (const spec of fieldSpecs) {
    const value = readPath(config, spec.path)
    if (spec.kind === 'boolean') values[spec.path] = value === true
    else values[spec.path] = value === undefined || value === null ? '' : String(value)
  }
  return values
}

/** Decides whether a field applies to the current choices; fields that do not are hidden and not sent. */
export function isFieldActive(path: string, values: FormValues, dataset: DatasetTraits): boolean {
  const optimizer = /^(optimizer[GD])\.(.+)$/.exec(path)
  if (optimizer && optimizer[2] !== 'type') {
    const type = values[`${optimizer[1]}.type`] as OptimizerType
    return optimizerSettings[type]?.includes(optimizer[2]) ?? true
  }
  const preset = String(values['model.preset'])
  if (path === 'model.depth') return preset.endsWith('mlp')
  if (path === 'model.embedDim') return preset.startsWith('cgan')
  if (path.startsWith('joint.')) return values.scheme === 'joint'
  if (path === 'imageSize') return dataset.kind !== 'points'
  return true
}

/** Parses a number field's text against its limits. */
export function parseNumberField(spec: NumberField, raw: string): { value: number } | { problem: FieldProblem } {
  const text = raw.trim()
  if (text === '') return { problem: { key: 'validation.required' } }
  const value = Number(text)
  if (!Number.isFinite(value)) return { problem: { key: 'validation.number' } }
  if (spec.integer && !Number.isInteger(value)) return { problem: { key: 'validation.integer' } }
  if (spec.minExclusive ? value <= spec.min : value < spec.min) {
    return { problem: { key: spec.minExclusive ? 'validation.above' : 'validation.atLeast', params: { limit: spec.min } } }
  }
  if (spec.max !== undefined && (spec.maxExclusive ? value >= spec.max : value > spec.max)) {
    return { problem: { key: spec.maxExclusive ? 'validation.below' : 'validation.atMost', params: { limit: spec.max } } }
  }
  return { value }
}

function checkField(spec: FieldSpec, raw: string | boolean): FieldProblem | null {
  if (spec.kind === 'number') {
    const parsed = parseNumberField(spec, String(raw))
    return 'problem' in parsed ? parsed.problem : null
  }
  if (spec.kind === 'choice' && !spec.options.includes(String(raw))) return { key: 'validation.choice' }
  return null
}

/** Checks every active field and the rules that tie fields together; returns the problems by path. */
export function validateForm(values: FormValues, dataset: DatasetTraits): Map<string, FieldProblem> {
  const problems = new Map<string, FieldProblem>()
  for (const spec of fieldSpecs) {
    if (!isFieldActive(spec.path, values, dataset)) continue
    const problem = checkField(spec, values[spec.path] ?? '')
    if (problem) problems.set(spec.path, problem)
  }
  // One optimizer with two parameter groups has one update rule, so both networks need the same type.
  if (values.grouping === 'grouped' && values['optimizerG.type'] !== values['optimizerD.type']) {
    problems.set('grouping', { key: 'validation.groupedTypes' })
  }
  const preset = String(values['model.preset'])
  if (dataset.kind === 'points' && preset.endsWith('dcgan')) {
    problems.set('model.preset', { key: 'validation.presetNeedsImages' })
  } else if (preset.startsWith('cgan') && dataset.kind !== null && dataset.classes === null) {
    problems.set('model.preset', { key: 'validation.presetNeedsLabels' })
  }
  return problems
}

/** Builds the run configuration from a form without problems; inactive fields are left to the defaults. */
export function configFromForm(values: FormValues, dataset: string, dataTraits: DatasetTraits, name?: string): Record<string, unknown> {
  const config: Record<string, unknown> = { dataset }
  if (name && name.trim() !== '') config.name = name.trim()
  for (const spec of fieldSpecs) {
    if (!isFieldActive(spec.path, values, dataTraits)) continue
    const raw = values[spec.path]
    if (spec.kind === 'boolean') writePath(config, spec.path, raw === true)
    else if (spec.kind === 'number' || spec.numeric) writePath(config, spec.path, Number(String(raw).trim()))
    else writePath(config, spec.path, raw)
  }
  return config
}

/** Sorts the server's INVALID_CONFIG issues into those a form field shows and the rest. */
export function splitIssues(issues: ReadonlyArray<{ path: string; message: string }>): {
  byField: Map<string, string>
  general: string[]
} {
  const byField = new Map<string, string>()
  const general: string[] = []
  for (const issue of issues) {
    if (specByPath.has(issue.path) || issue.path === 'dataset' || issue.path === 'name') byField.set(issue.path, issue.message)
    else general.push(issue.path ? `${issue.path}: ${issue.message}` : issue.message)
  }
  return { byField, general }
}
