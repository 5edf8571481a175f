// The New run form's limits and choices against the run-config schema the server validates with,
// so the form marks exactly the values the server would reject.
import { describe, expect, it } from 'vitest'
import { parseRunConfig, runConfigSchema } from '../../src/main/trainer/config'
import { fieldSpecs, specByPath, type NumberField } from '../../src/renderer/logic/config-fields'
import { configFromForm, formFromConfig, isFieldActive, parseNumberField, splitIssues, validateForm, type DatasetTraits } from '../../src/renderer/logic/config-form'

const defaults = parseRunConfig({}) as unknown as Record<string, unknown>
const digits: DatasetTraits = { kind: 'image', classes: 10 }

interface SchemaNode {
  _zod: { def: { type: string; innerType?: SchemaNode; shape?: Record<string, SchemaNode>; items?: SchemaNode[] } }
  shape?: Record<string, SchemaNode>
  options?: unknown[]
}

/** Lists the schema's leaves as dotted paths, with tuple items by index (`optimizerG.betas.0`). */
function leafPaths(node: SchemaNode, prefix = ''): Map<string, SchemaNode> {
  const def = node._zod.def
  if ((def.type === 'default' || def.type === 'optional') && def.innerType) return leafPaths(def.innerType, prefix)
  const leaves = new Map<string, SchemaNode>()
  const join = (key: string): string => (prefix ? `${prefix}.${key}` : key)
  if (def.type === 'object' && node.shape) {
    for (const [key, child] of Object.entries(node.shape)) for (const [path, leaf] of leafPaths(child, join(key))) leaves.set(path, leaf)
  } else if (def.type === 'tuple' && def.items) {
    def.items.forEach((item, index) => {
      for (const [path, leaf] of leafPaths(item, join(String(index)))) leaves.set(path, leaf)
    })
  } else {
    leaves.set(prefix, node)
  }
  return leaves
}

/** Checks whether the schema accepts the defaults with one value replaced; the other fields stay valid. */
function schemaAccepts(path: string, value: unknown): boolean {
  const config = structuredClone(defaults)
  const parts = path.split('.')
  let node = config as Record<string, unknown>
  for (const part of parts.slice(0, -1)) node = node[part] as Record<string, unknown>
  node[parts.at(-1) as string] = value
  return runConfigSchema.safeParse(config).success
}

function formAccepts(spec: NumberField, value: number): boolean {
  return 'value' in parseNumberField(spec, String(value))
}

const numberSpecs = fieldSpecs.filter((spec): spec is NumberField => spec.kind === 'number')

describe('form fields', () => {
  it('cover every schema field', () => {
    const schemaPaths = [...leafPaths(runConfigSchema as unknown as SchemaNode).keys()].filter((path) => path !== 'name' && path !== 'dataset')
    expect(fieldSpecs.map((spec) => spec.path).sort()).toEqual(schemaPaths.sort())
  })

  it('choices match the schema', () => {
    const leaves = leafPaths(runConfigSchema as unknown as SchemaNode)
    for (const spec of fieldSpecs) {
      if (spec.kind !== 'choice') continue
      for (const option of spec.options) {
        const value = spec.numeric ? Number(option) : option
        expect(schemaAccepts(spec.path, value), `${spec.path} = ${option}`).toBe(true)
      }
      expect(schemaAccepts(spec.path, spec.numeric ? 27 : 'no-such-option'), `${spec.path} rejects others`).toBe(false)
      const leaf = leaves.get(spec.path)
      const enumOptions = leaf?._zod.def.type === 'enum' ? leaf.options : undefined
      if (enumOptions) expect([...spec.options].sort(), spec.path).toEqual([...enumOptions].map(String).sort())
    }
  })

  it('limits match the schema', () => {
    for (const spec of numberSpecs) {
      // Probe each bound and a value just past it in both the form and the schema.
      const probes: number[] = [spec.min, spec.min - (spec.integer ? 1 : 1e-9), spec.min + (spec.integer ? 1 : 1e-9)]
      if (spec.max !== undefined) probes.push(spec.max, spec.max + (spec.integer ? 1 : 1e-9), spec.max - (spec.integer ? 1 : 1e-9))
      if (spec.integer) probes.push(spec.min + 0.5)
      for (const value of probes) {
        expect(formAccepts(spec, value), `${spec.path} = ${value}`).toBe(schemaAccepts(spec.path, value))
      }
    }
  })

  it('defaults pass and round-trip', () => {
    const values = formFromConfig(defaults)
    expect(validateForm(values, digits).size).toBe(0)
    const config = configFromForm(values, 'digits', digits)
    expect(parseRunConfig(config)).toEqual(parseRunConfig({}))
  })

  it('marks bad text', () => {
    const values = formFromConfig(defaults)
    const cases: Array<[string, string, string]> = [
      ['optimizerG.lr', '', 'validation.required'],
      ['optimizerG.lr', 'abc', 'validation.number'],
      ['optimizerG.lr', '0', 'validation.above'],
      ['optimizerD.lr', '11', 'validation.atMost'],
      ['batchSize', '3.5', 'validation.integer'],
      ['batchSize', '-1', 'validation.atLeast'],
      ['optimizerG.betas.0', '1', 'validation.below'],
      ['labelSmoothing', '0.6', 'validation.atMost'],
    ]
    for (const [path, text, key] of cases) {
      const problems = validateForm({ ...values, [path]: text }, digits)
      expect(problems.get(path)?.key, `${path} = '${text}'`).toBe(key)
    }
    expect(validateForm({ ...values, 'optimizerG.lr': ' 2e-4 ' }, digits).size).toBe(0)
  })

  it('grouped needs one optimizer type', () => {
    const values = { ...formFromConfig(defaults), grouping: 'grouped', 'optimizerD.type': 'sgd' }
    expect(validateForm(values, digits).get('grouping')?.key).toBe('validation.groupedTypes')
    expect(schemaAccepts('grouping', 'grouped')).toBe(true)
    const config = configFromForm(values, 'digits', digits)
    expect(runConfigSchema.safeParse(config).success).toBe(false)
  })

  it('checks the preset against the dataset', () => {
    const values = formFromConfig(defaults)
    expect(validateForm(values, { kind: 'points', classes: null }).get('model.preset')?.key).toBe('validation.presetNeedsImages')
    const conditional = { ...values, 'model.preset': 'cgan-mlp' }
    expect(validateForm(conditional, { kind: 'image', classes: null }).get('model.preset')?.key).toBe('validation.presetNeedsLabels')
    expect(validateForm(conditional, digits).has('model.preset')).toBe(false)
  })

  it('hides and leaves out inactive fields', () => {
    const values = { ...formFromConfig(defaults), 'optimizerG.type': 'sgd', 'optimizerG.betas.0': 'oops' }
    expect(isFieldActive('optimizerG.betas.0', values, digits)).toBe(false)
    expect(isFieldActive('optimizerG.momentum', values, digits)).toBe(true)
    expect(isFieldActive('model.depth', values, digits)).toBe(false)
    expect(isFieldActive('joint.retainGraph', values, digits)).toBe(false)
    expect(isFieldActive('imageSize', values, { kind: 'points', classes: null })).toBe(false)
    // The hidden, invalid beta neither blocks the start nor reaches the server.
    expect(validateForm(values, digits).size).toBe(0)
    const config = configFromForm(values, 'digits', digits) as { optimizerG: Record<string, unknown> }
    expect(config.optimizerG.betas).toBeUndefined()
    expect(parseRunConfig(config).optimizerG.type).toBe('sgd')
  })

  it('sorts server issues by field', () => {
    const { byField, general } = splitIssues([
      { path: 'optimizerG.lr', message: 'Too big' },
      { path: 'dataset', message: 'not found' },
      { path: '', message: 'bad request' },
      { path: 'model.unknown', message: 'odd' },
    ])
    expect([...byField.keys()]).toEqual(['optimizerG.lr', 'dataset'])
    expect(general).toEqual(['bad request', 'model.unknown: odd'])
    expect(specByPath.has('optimizerG.lr')).toBe(true)
  })
})
