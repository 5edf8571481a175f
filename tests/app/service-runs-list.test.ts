import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { parseRunConfig } from '../../src/main/trainer/config'
import type { MetricRecord } from '../../src/main/store/types'
import { createService, ok, useTempDataDir } from './helpers'

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
