// The contract's request validation: every malformed request gets INVALID_REQUEST or UNKNOWN_CHANNEL
// naming the field, before any service code runs.
import { describe, expect, it } from 'vitest'
import { parseRequest, requestSchemas, type Channel } from '../../src/shared/contract'
import { channels } from '../../src/preload/channels'

function rejection(channel: unknown, payload: unknown) {
  const parsed = parseRequest(channel, payload)
  if (parsed.ok) throw new Error(`${String(channel)} accepted ${JSON.stringify(payload)}`)
  return parsed.error
}

const invalidCases: Array<[Channel, unknown, string]> = [
  // wrong types
  ['runs.get', { runId: '1' }, 'runId'],
  ['runs.list', { includeHidden: 'yes' }, 'includeHidden'],
  ['training.start', { config: [1, 2] }, 'config'],
  ['training.start', { config: 'dcgan' }, 'config'],
  ['runs.update', { runId: 1, tags: 'a,b' }, 'tags'],
  ['runs.update', { runId: 1, tags: ['ok', 7] }, 'tags.1'],
  ['training.control', { runId: 1, action: 'explode' }, 'action'],
  ['datasets.choose', { kind: 'drive' }, 'kind'],
  // missing fields, including a missing payload
  ['runs.get', undefined, 'runId'],
  ['runs.get', null, 'runId'],
  ['runs.get', {}, 'runId'],
  ['training.control', { runId: 1 }, 'action'],
  ['training.fork', { runId: 1 }, 'changes'],
  // NaN and infinities
  ['training.set', { runId: 1, lrG: Number.NaN }, 'lrG'],
  ['training.set', { runId: 1, lrD: Number.POSITIVE_INFINITY }, 'lrD'],
  ['runs.metrics', { runId: 1, maxPoints: Number.POSITIVE_INFINITY }, 'maxPoints'],
  ['runs.metrics', { runId: 1, fromStep: Number.NaN }, 'fromStep'],
  ['training.resume', { runId: Number.NaN }, 'runId'],
  // out of range
  ['training.set', { runId: 1, lrG: 0 }, 'lrG'],
  ['training.set', { runId: 1, lrG: 11 }, 'lrG'],
  ['training.set', { runId: 1, dSteps: 0 }, 'dSteps'],
  ['training.set', { runId: 1, gSteps: 1.5 }, 'gSteps'],
  ['runs.metrics', { runId: 1, maxPoints: 2 }, 'maxPoints'],
  // huge strings and arrays
  ['datasets.inspect', { ref: 'x'.repeat(4097) }, 'ref'],
  ['datasets.inspect', { ref: '' }, 'ref'],
  ['runs.update', { runId: 1, name: 'n'.repeat(201) }, 'name'],
  ['runs.update', { runId: 1, note: 'n'.repeat(10_001) }, 'note'],
  ['runs.update', { runId: 1, tags: ['t'.repeat(51)] }, 'tags.0'],
  ['runs.update', { runId: 1, tags: Array.from({ length: 51 }, (_, i) => `t${i}`) }, 'tags'],
  // negative, zero and fractional ids and steps
  ['runs.get', { runId: -1 }, 'runId'],
  ['runs.get', { runId: 0 }, 'runId'],
  ['runs.get', { runId: 1.5 }, 'runId'],
  ['runs.sample', { runId: 1, kind: 'grid', step: -3 }, 'step'],
  ['training.fork', { runId: 1, step: -1, changes: {} }, 'step'],
]

describe('parseRequest', () => {
  // Named by channel, field and case number: some payloads are 10,000 characters long.
  const cases = invalidCases.map(([channel, payload, path], index) => ({ channel, payload, path, index }))
  it.each(cases)('$channel rejects $path (case $index)', ({ channel, payload, path }) => {
    const error = rejection(channel, payload)
    expect(error.code).toBe('INVALID_REQUEST')
    expect(error.issues?.map((issue) => issue.path)).toContain(path)
    expect(error.message).toContain(`invalid arguments for ${channel}: ${path}`)
  })

  it('rejects extra keys by name', () => {
    const error = rejection('runs.get', { runId: 1, admin: true })
    expect(error.code).toBe('INVALID_REQUEST')
    expect(error.message).toContain('admin')
    expect(rejection('app.info', { verbose: true }).message).toContain('verbose')
  })

  it('rejects unknown channels', () => {
    for (const channel of ['runs.drop', '', 'RUNS.LIST', '__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      const error = rejection(channel, {})
      expect(error.code, channel).toBe('UNKNOWN_CHANNEL')
      expect(error.message, channel).toBe(`unknown channel ${JSON.stringify(channel)}`)
    }
    for (const channel of [42, null, undefined, { channel: 'runs.list' }, ['runs.list']]) {
      expect(rejection(channel, {}).code).toBe('UNKNOWN_CHANNEL')
    }
  })

  it('rejects payloads that are no object', () => {
    for (const payload of ['runs', 7, true, [1]]) {
      const error = rejection('runs.list', payload)
      expect(error.code).toBe('INVALID_REQUEST')
      expect(error.issues?.[0].path).toBe('')
    }
  })

  it('quotes the rejected value, cut short', () => {
    const error = rejection('runs.get', { runId: 'r'.repeat(1000) })
    const message = error.issues?.[0].message ?? ''
    expect(message).toContain('(got "rrr')
    expect(message.length).toBeLessThan(200)
  })

  it('accepts valid requests', () => {
    expect(parseRequest('app.info', undefined)).toEqual({ ok: true, channel: 'app.info', payload: {} })
    expect(parseRequest('runs.metrics', { runId: 3, fromStep: 0, maxPoints: 500 })).toEqual({
      ok: true, channel: 'runs.metrics', payload: { runId: 3, fromStep: 0, maxPoints: 500 },
    })
    expect(parseRequest('training.start', { config: { dataset: 'ring8' } }).ok).toBe(true)
  })
})

describe('preload channel list', () => {
  it('matches the contract', () => {
    expect([...channels].sort()).toEqual(Object.keys(requestSchemas).sort())
  })
})
