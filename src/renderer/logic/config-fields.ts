/**
 * Every control of the New run form with its limits. The limits repeat those of the run-config schema
 * (src/main/trainer/config.ts), so the form marks a bad value before the run starts.
 * tests/app/renderer-config.test.ts checks each limit against that schema.
 */

export const modelPresets = ['mlp', 'dcgan', 'cgan-mlp', 'cgan-dcgan'] as const
export const optimizerTypes = ['adam', 'sgd', 'rmsprop'] as const
export const groupings = ['separate', 'grouped'] as const
export const schemes = ['alternating', 'joint'] as const
export const lossTypes = ['bce', 'minimax', 'lsgan', 'hinge'] as const
export const imageSizes = ['28', '32', '64'] as const

export type OptimizerType = (typeof optimizerTypes)[number]

export interface NumberField {
  kind: 'number'
  /** Dotted path in the run configuration, as the server's INVALID_CONFIG issues name it. */
  path: string
  integer: boolean
  min: number
  /** True when the value must be greater than `min`, not equal to it. */
  minExclusive?: boolean
  max?: number
  maxExclusive?: boolean
}

export interface ChoiceField {
  kind: 'choice'
  path: string
  options: readonly string[]
  /** Stored as a number in the configuration (the image size). */
  numeric?: boolean
}

export interface BooleanField {
  kind: 'boolean'
  path: string
}

export type FieldSpec = NumberField | ChoiceField | BooleanField

const integer = (path: string, min: number, max: number): NumberField => ({ kind: 'number', path, integer: true, min, max })
const choice = (path: string, options: readonly string[], numeric = false): ChoiceField => ({ kind: 'choice', path, options, numeric })

function optimizerFields(prefix: 'optimizerG' | 'optimizerD'): FieldSpec[] {
  return [
    choice(`${prefix}.type`, optimizerTypes),
    { kind: 'number', path: `${prefix}.lr`, integer: false, min: 0, minExclusive: true, max: 10 },
    { kind: 'number', path: `${prefix}.betas.0`, integer: false, min: 0, max: 1, maxExclusive: true },
    { kind: 'number', path: `${prefix}.betas.1`, integer: false, min: 0, max: 1, maxExclusive: true },
    { kind: 'number', path: `${prefix}.eps`, integer: false, min: 0, minExclusive: true },
    { kind: 'number', path: `${prefix}.momentum`, integer: false, min: 0, max: 1, maxExclusive: true },
    { kind: 'number', path: `${prefix}.alpha`, integer: false, min: 0, max: 1, maxExclusive: true },
    { kind: 'number', path: `${prefix}.weightDecay`, integer: false, min: 0 },
  ]
}

export const fieldSpecs: readonly FieldSpec[] = [
  choice('imageSize', imageSizes, true),
  choice('model.preset', modelPresets),
  integer('model.latentDim', 1, 1024),
  integer('model.width', 1, 2048),
  integer('model.depth', 1, 8),
  integer('model.embedDim', 1, 256),
  ...optimizerFields('optimizerG'),
  ...optimizerFields('optimizerD'),
  integer('dSteps', 1, 100),
  integer('gSteps', 1, 100),
  choice('grouping', groupings),
  choice('scheme', schemes),
  { kind: 'boolean', path: 'joint.retainGraph' },
  { kind: 'boolean', path: 'joint.stepBetween' },
  choice('loss', lossTypes),
  { kind: 'number', path: 'labelSmoothing', integer: false, min: 0, max: 0.5 },
  integer('batchSize', 0, 4096),
  integer('seed', 0, 2 ** 31 - 1),
  integer('steps', 1, 10_000_000),
  integer('sampleEvery', 0, 1_000_000),
  integer('checkpointEvery', 1, 1_000_000),
  integer('metricsEvery', 0, 1_000_000),
]

export const specByPath: ReadonlyMap<string, FieldSpec> = new Map(fieldSpecs.map((spec) => [spec.path, spec]))

/** The optimizer settings each type uses; the form hides the others. */
export const optimizerSettings: Record<OptimizerType, readonly string[]> = {
  adam: ['lr', 'betas.0', 'betas.1', 'eps', 'weightDecay'],
  sgd: ['lr', 'momentum', 'weightDecay'],
  rmsprop: ['lr', 'alpha', 'eps', 'momentum', 'weightDecay'],
}

/** Returns the catalogue name of a field's label and help: `optimizerG.betas.0` -> `betas0`. */
export function fieldKey(path: string): string {
  const parts = path.split('.')
  const last = parts.at(-1) ?? path
  if (/^\d+$/.test(last)) return `${parts.at(-2)}${last}`
  return last
}
