import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { exportRun } from '../../src/main/export'
import { csvField } from '../../src/main/export/tables'
import type { MetricRecord } from '../../src/main/store/types'
import { parseRunConfig } from '../../src/main/trainer/config'
import { useSandbox } from './helpers'

const sandbox = useSandbox('tables')
let runId: number

/** Parses RFC 4180 CSV: quoted fields may hold commas, CRLF and doubled quotes. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let field = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const char = text[i]
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        field += '"'
        i++
      } else if (char === '"') {
        quoted = false
      } else {
        field += char
      }
    } else if (char === '"') {
      expect(field, 'a quote opens a field only at its start').toBe('')
      quoted = true
    } else if (char === ',') {
      row.push(field)
      field = ''
    } else if (char === '\r' && text[i + 1] === '\n') {
      row.push(field)
      rows.push(row)
      row = []
      field = ''
      i++
    } else {
      expect(char, `bare ${JSON.stringify(char)} outside quotes at ${i}`).not.toMatch(/[\r\n]/)
      field += char
    }
  }
  expect(field, 'the text ends with CRLF').toBe('')
  expect(row, 'the text ends with CRLF').toEqual([])
  return rows
}

const metric = (step: number, values: Partial<MetricRecord> = {}): MetricRecord => ({
  step, dLoss: 1.25, gLoss: 0.5, dReal: 0.75, dFake: 0.125, gradNormG: 3, gradNormD: 4,
  leakNorm: null, lrG: 2e-4, lrD: 1e-4, seconds: 0.5, ...values,
})

beforeAll(() => {
  const config = parseRunConfig({ dataset: 'ring8', model: { preset: 'mlp' }, steps: 3 })
  runId = sandbox.store.createRun({ name: 'tables', config, seed: 0, dataset: 'ring8', model: 'mlp', totalSteps: 3 }).id
  sandbox.store.appendMetrics(runId, [
    metric(1, { extra: { fid: 12.5 } }),
    metric(2, { dLoss: Infinity, gLoss: null }),
    metric(3, { lrG: 1e-3 }),
  ])
  sandbox.store.addEvent(runId, 0, 'started', 'training started', { backend: 'wasm' })
  sandbox.store.addEvent(runId, 2, 'lr-change', 'learning rates G 0.0002 -> 0.001, "fast"')
  sandbox.store.addEvent(runId, 2, 'note', 'two\nlines')
})

describe('csv fields', () => {
  it('quotes as RFC 4180', () => {
    expect(csvField('plain')).toBe('plain')
    expect(csvField('a,b')).toBe('"a,b"')
    expect(csvField('say "hi"')).toBe('"say ""hi"""')
    expect(csvField('two\r\nlines')).toBe('"two\r\nlines"')
    expect(csvField(null)).toBe('')
    expect(csvField(-Infinity)).toBe('-inf')
    expect(csvField(0.1 + 0.2)).toBe('0.30000000000000004')
  })
})

describe('csv export', () => {
  it('writes one row per step', async () => {
    const out = join(sandbox.dir, 'steps.csv')
    await exportRun(sandbox.store, runId, { format: 'csv', out })
    const [header, ...rows] = parseCsv(readFileSync(out, 'utf8'))
    expect(header).toEqual([
      'step', 'd_loss', 'g_loss', 'd_real', 'd_fake', 'grad_norm_g', 'grad_norm_d', 'leak_norm', 'lr_g', 'lr_d', 'seconds', 'fid', 'events',
    ])
    expect(rows.map((row) => row[0])).toEqual(['0', '1', '2', '3'])
    const column = (name: string): number => header.indexOf(name)
    expect(rows[0][column('d_loss')], 'step 0 has events only').toBe('')
    expect(rows[0][column('events')]).toBe('started: training started')
    expect(Number(rows[1][column('d_loss')])).toBe(1.25)
    expect(rows[1][column('fid')]).toBe('12.5')
    expect(rows[2][column('d_loss')]).toBe('inf')
    expect(rows[2][column('g_loss')], 'null is an empty field').toBe('')
    expect(rows[2][column('events')]).toBe('lr-change: learning rates G 0.0002 -> 0.001, "fast"\nnote: two\nlines')
    expect(Number(rows[3][column('lr_g')])).toBe(1e-3)
    expect(rows.every((row) => row.length === header.length), 'every row has every column').toBe(true)
  })

  it('writes one row per event', async () => {
    const out = join(sandbox.dir, 'events.csv')
    await exportRun(sandbox.store, runId, { format: 'csv', out, table: 'events' })
    const [header, ...rows] = parseCsv(readFileSync(out, 'utf8'))
    expect(header).toEqual(['step', 'kind', 'message', 'data', 'created_at'])
    expect(rows.map((row) => row.slice(0, 3))).toEqual([
      ['0', 'started', 'training started'],
      ['2', 'lr-change', 'learning rates G 0.0002 -> 0.001, "fast"'],
      ['2', 'note', 'two\nlines'],
    ])
    expect(JSON.parse(rows[0][3])).toEqual({ backend: 'wasm' })
  })
})

describe('json export', () => {
  it('round-trips run, metrics and events', async () => {
    const out = join(sandbox.dir, 'run.json')
    await exportRun(sandbox.store, runId, { format: 'json', out })
    const parsed = JSON.parse(readFileSync(out, 'utf8'))
    expect(parsed.format).toBe('gan-workbench-run')
    expect(parsed.run).toEqual(sandbox.store.getRun(runId))
    expect(parsed.metrics).toHaveLength(3)
    expect(parsed.metrics[1].dLoss, 'JSON has no Infinity literal').toBe('inf')
    expect(parsed.metrics[0]).toEqual(sandbox.store.metrics(runId)[0])
    expect(parsed.events).toEqual(sandbox.store.events(runId))
  })
})
