import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as torch from '../../src/engine'
import { startEngine } from '../../src/main/engine-node'
import { RunStore } from '../../src/main/store/run-store'
import { parseRunConfig } from '../../src/main/trainer/config'
import { createSampler, loadTrainingData } from '../../src/main/trainer/data'
import { startRun } from '../../src/main/trainer/host'
import { batchCandidates, batchSizeFor, choosePace, paceTargets, roundInterval, sampleIntervalFor } from '../../src/main/trainer/pace'
import { GanTrainer } from '../../src/main/trainer/trainer'

let dir: string

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ganwb-pace-'))
  await startEngine({ backend: 'wasm' })
})

afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('pace rules', () => {
  it.each([
    [0.3, 1], [1, 1], [1.2, 2], [2, 2], [3, 5], [7, 10], [10, 10], [11, 20], [48, 50], [51, 100], [999, 1000],
  ])('rounds %f up to %i', (value, expected) => {
    expect(roundInterval(value)).toBe(expected)
  })

  it('sample interval follows step time', () => {
    expect(sampleIntervalFor(0.01)).toBe(200)
    expect(sampleIntervalFor(0.1)).toBe(20)
    expect(sampleIntervalFor(0.3)).toBe(10)
    expect(sampleIntervalFor(5)).toBe(1)
    expect(sampleIntervalFor(0)).toBe(20_000)
  })

  it('batch is the largest within target', () => {
    const fast = paceTargets.stepSeconds / 4
    expect(batchSizeFor([{ batchSize: 16, seconds: fast }, { batchSize: 32, seconds: fast * 2 }, { batchSize: 64, seconds: fast * 8 }])).toBe(32)
    expect(batchSizeFor([{ batchSize: 16, seconds: fast * 9 }])).toBe(16)
    expect(batchSizeFor(batchCandidates.map((batchSize) => ({ batchSize, seconds: fast })))).toBe(256)
  })
})

describe('choosePace', () => {
  it('leaves explicit settings alone', async () => {
    const config = parseRunConfig({ dataset: 'ring8', model: { preset: 'mlp', width: 16, latentDim: 4 }, batchSize: 64, sampleEvery: 10 })
    const { data } = await loadTrainingData(config, { dataDir: dir })
    expect(choosePace(config, data)).toBeNull()
  })

  it('picks numbers and keeps the run reproducible', async () => {
    const config = parseRunConfig({ dataset: 'ring8', model: { preset: 'mlp', width: 16, latentDim: 4 }, batchSize: 0, sampleEvery: 0, seed: 3 })
    const { data } = await loadTrainingData(config, { dataDir: dir })
    const pace = choosePace(config, data)
    expect(pace).not.toBeNull()
    const chosen = pace!.config
    expect(batchCandidates).toContain(chosen.batchSize)
    expect(chosen.sampleEvery).toBeGreaterThan(0)
    expect(pace!.message).toMatch(new RegExp(`picked batch size ${chosen.batchSize} and a sample grid every ${chosen.sampleEvery} iterations`))
    expect(pace!.data.timings[0].batchSize).toBe(batchCandidates[0])

    // The probes must not shift the run: the same losses as a run started with the picked numbers.
    const losses = async (useProbedData: boolean): Promise<number[]> => {
      const source = useProbedData ? data : (await loadTrainingData(chosen, { dataDir: dir })).data
      const trainer = new GanTrainer(chosen, source, createSampler(source, chosen.batchSize, chosen.seed))
      const values = [0, 1, 2].map(() => trainer.iterate().metrics.dLoss as number)
      trainer.dispose()
      return values
    }
    expect(await losses(true)).toEqual(await losses(false))
  })
})

describe('automatic settings in a run', () => {
  it('stores the picked numbers and says why', async () => {
    const store = new RunStore(join(dir, 'runs.sqlite'))
    try {
      const session = startRun(
        store,
        { dataset: 'ring8', model: { preset: 'mlp', width: 16, depth: 1, latentDim: 4 }, batchSize: 0, sampleEvery: 0, steps: 5, metricsEvery: 0 },
        { dataDir: dir, emitIntervalMs: 20 },
      )
      const result = await session.finished
      expect(result.status).toBe('completed')
      const run = store.getRun(session.run.id)
      const config = run.config as { batchSize: number; sampleEvery: number }
      expect(config.batchSize).toBeGreaterThan(0)
      expect(config.sampleEvery).toBeGreaterThan(0)
      const pace = store.events(session.run.id).find((event) => event.kind === 'pace')
      expect(pace?.message).toContain(`batch size ${config.batchSize}`)
      expect(torch.getBackend().name).toBe('wasm')
    } finally {
      store.close()
    }
  })
})
