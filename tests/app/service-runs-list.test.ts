import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { gridPng } from '../../src/main/images/grid'
import { parseRunConfig } from '../../src/main/trainer/config'
import type { MetricRecord } from '../../src/main/store/types'
import { createService, failure, ok, useTempDataDir } from './helpers'

const metric = (step: number, extra?: Record<string, number | null>): MetricRecord => ({
  step, dLoss: 1, gLoss: 1, dReal: 0.5, dFake: 0.5, gradNormG: 1, gradNormD: 1, leakNorm: null, lrG: 2e-4, lrD: 2e-4, seconds: 0.1,
  ...(extra ? { extra } : {}),
})

describe('runs.list latestEvaluation', () => {
  let data: ReturnType<typeof useTempDataDir>
  let context: ReturnType<typeof createService>

  beforeEach(() => {
    data = useTempDataDir('ganwb-runs-list-')
    context = createService(data.dir)
  })

  afterEach(async () => {
    await context.service.dispose()
    context.store.close()
    data.remove()
  })

  function addRun(rows: MetricRecord[]): number {
    const config = parseRunConfig({ dataset: 'ring8', model: { preset: 'mlp' } })
    const run = context.store.createRun({ name: 'toy', config, seed: 0, dataset: 'ring8', model: 'mlp', totalSteps: 100 })
    context.store.appendMetrics(run.id, rows)
    return run.id
  }

  it('reports the newest evaluation', async () => {
    const runId = addRun([
      metric(10, { evaluationSamples: 500, fd: 4, modesCovered: 6 }),
      metric(20, { evaluationSamples: 500, fd: 2.5, modesCovered: 8, precision: null }),
      metric(30),
      metric(31, { someHealthScore: 1 }),
    ])
    const [run] = await ok(context.service, 'runs.list', {})
    expect(run.id).toBe(runId)
    expect(run.latestEvaluation).toEqual({ step: 20, evaluationSamples: 500, fd: 2.5, modesCovered: 8 })
  })

  it('leaves it out without evaluations', async () => {
    addRun([metric(1), metric(2)])
    const [run] = await ok(context.service, 'runs.list', {})
    expect(run).not.toHaveProperty('latestEvaluation')
  })

  it('updates name, tags, note and hidden', async () => {
    const runId = addRun([metric(1)])
    const updated = await ok(context.service, 'runs.update', { runId, name: 'renamed', tags: ['a', 'b'], note: 'try lr 1e-4', hidden: true })
    expect(updated).toMatchObject({ name: 'renamed', tags: ['a', 'b'], note: 'try lr 1e-4', hidden: true })
    expect(await ok(context.service, 'runs.list', {})).toEqual([])
    expect((await ok(context.service, 'runs.list', { includeHidden: true })).map((run) => run.id)).toEqual([runId])
  })
})

describe('runs.export', () => {
  let data: ReturnType<typeof useTempDataDir>
  let context: ReturnType<typeof createService>
  let runId = 0

  beforeEach(() => {
    data = useTempDataDir('ganwb-runs-export-')
    context = createService(data.dir)
    const config = parseRunConfig({ steps: 10 })
    runId = context.store.createRun({ name: 'digits', config, seed: 0, dataset: 'digits', model: 'dcgan', totalSteps: 10 }).id
    context.store.appendMetrics(runId, [metric(1), metric(2)])
    for (const step of [0, 10]) {
      const images = Float32Array.from({ length: 4 * 28 * 28 }, (_, i) => Math.sin(i + step))
      context.store.addSample({ runId, step, kind: 'grid', png: Buffer.from(gridPng({ data: images, shape: [4, 1, 28, 28] })) })
    }
  })

  afterEach(async () => {
    await context.service.dispose()
    context.store.close()
    data.remove()
  })

  it('returns a grid as a download', async () => {
    const result = await ok(context.service, 'runs.export', { runId, format: 'png-grid', step: 0 })
    expect(result.step).toBe(0)
    expect(result.files).toEqual([])
    expect(result.download?.name).toBe(`run-${runId}-png-grid.png`)
    const bytes = Buffer.from(result.download?.dataUrl.replace(/^data:image\/png;base64,/, '') ?? '', 'base64')
    expect([...bytes.subarray(1, 4)].map((code) => String.fromCharCode(code)).join('')).toBe('PNG')
  })

  it('writes to a given path', async () => {
    const out = join(data.dir, 'out', 'steps.csv')
    const result = await ok(context.service, 'runs.export', { runId, format: 'csv', path: out })
    expect(result.files).toEqual([out])
    expect(result.download).toBeNull()
    expect(existsSync(out)).toBe(true)
    expect(readFileSync(out, 'utf8').split('\n')[0]).toContain('step')
  })

  it('needs a path for folders', async () => {
    const error = await failure(context.service, 'runs.export', { runId, format: 'png-folder' })
    expect(error.code).toBe('INVALID_REQUEST')
    expect(error.message).toContain('needs a path')
  })

  it('reports a missing checkpoint', async () => {
    const error = await failure(context.service, 'runs.export', { runId, format: 'safetensors', path: join(data.dir, 'g.safetensors') })
    expect(error.code).toBe('NOT_FOUND')
  })
})
