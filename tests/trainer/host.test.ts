import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { decode } from 'fast-png'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RunStore } from '../../src/main/store/run-store'
import { forkRun, resumeRun, startRun, type TrainingSession } from '../../src/main/trainer/host'

let dir: string
let store: RunStore

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ganwb-host-'))
  store = new RunStore(join(dir, 'runs.sqlite'))
})

afterAll(() => {
  store.close()
  rmSync(dir, { recursive: true, force: true })
})

const toy = { dataset: 'ring8', model: { preset: 'mlp', width: 32, depth: 2, latentDim: 8 }, batchSize: 64, seed: 4 } as const

function waitFor(session: TrainingSession, predicate: () => boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = (): void => {
      if (predicate()) {
        session.off('metrics', check)
        resolve()
      }
    }
    session.on('metrics', check)
    session.finished.then(() => (predicate() ? resolve() : reject(new Error('the run ended before the condition held'))))
  })
}

describe('training host', () => {
  it('trains a toy run and stores everything', async () => {
    const session = startRun(store, { ...toy, steps: 30, sampleEvery: 10, checkpointEvery: 10 }, { dataDir: dir, emitIntervalMs: 50 })
    const result = await session.finished
    expect(result.status).toBe('completed')
    const id = session.run.id
    const run = store.getRun(id)
    expect(run.status).toBe('completed')
    expect(run.step).toBe(30)
    expect(run.backend).toBe('wasm')
    expect(store.metrics(id).map((m) => m.step)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1))
    expect(store.sampleSteps(id, 'points')).toEqual([0, 10, 20, 30])
    expect(store.checkpointSteps(id)).toEqual([10, 20, 30])
    expect(store.events(id).map((e) => e.kind)).toEqual(['started', 'completed'])
    const sample = store.sample(id, 'points') as { data: { fake: number[][]; surface: { values: number[] } } }
    expect(sample.data.fake.length).toBe(512)
  })

  it('pauses, steps, changes rates, resumes, stops', async () => {
    const session = startRun(store, { ...toy, steps: 100_000, checkpointEvery: 1000 }, { dataDir: dir, emitIntervalMs: 20 })
    const id = session.run.id
    let lastStep = 0
    session.on('metrics', (rows) => (lastStep = rows[rows.length - 1].step))
    await waitFor(session, () => lastStep >= 5)
    session.pause()
    await new Promise<void>((resolve) => session.on('status', (s) => s.status === 'paused' && resolve()))
    const pausedAt = store.getRun(id).step
    session.setLearningRates({ g: 1e-3 })
    session.setRatio({ dSteps: 2 })
    session.stepOnce()
    await waitFor(session, () => lastStep === pausedAt + 1)
    session.resume()
    await waitFor(session, () => lastStep >= pausedAt + 5)
    session.stop()
    const result = await session.finished
    expect(result.status).toBe('stopped')
    const kinds = store.events(id).map((e) => e.kind)
    expect(kinds).toEqual(expect.arrayContaining(['paused', 'lr-change', 'ratio-change', 'single-step', 'resumed', 'stopped']))
    const change = store.events(id).find((e) => e.kind === 'lr-change')
    expect(change?.step).toBe(pausedAt)
    expect(change?.data).toEqual({ lrG: [2e-4, 1e-3], lrD: [2e-4, 2e-4] })
    const metrics = store.metrics(id)
    expect(metrics[metrics.length - 1].lrG).toBe(1e-3)
    expect(store.checkpointSteps(id)).toEqual([result.step])
    expect(store.getRun(id).status).toBe('stopped')
  })

  it('resumed run repeats the uninterrupted losses', async () => {
    const full = startRun(store, { ...toy, steps: 40, checkpointEvery: 20 }, { dataDir: dir })
    await full.finished
    const half = startRun(store, { ...toy, steps: 20, checkpointEvery: 20 }, { dataDir: dir })
    await half.finished
    const resumed = resumeRun(store, half.run.id, { steps: 40, dataDir: dir })
    expect((await resumed.finished).status).toBe('completed')
    const expected = store.metrics(full.run.id).slice(20).map((m) => [m.step, m.dLoss, m.gLoss])
    const actual = store.metrics(half.run.id).slice(20).map((m) => [m.step, m.dLoss, m.gLoss])
    expect(actual).toEqual(expected)
    expect(store.getRun(half.run.id).step).toBe(40)
  })

  it('fork continues from the parent checkpoint', async () => {
    const parent = startRun(store, { ...toy, steps: 20, checkpointEvery: 10 }, { dataDir: dir })
    await parent.finished
    const child = forkRun(store, parent.run.id, 10, { optimizerG: { lr: 4e-4 }, steps: 15 }, { dataDir: dir })
    expect((await child.finished).status).toBe('completed')
    const run = store.getRun(child.run.id)
    expect(run.parentRunId).toBe(parent.run.id)
    expect(run.parentStep).toBe(10)
    const metrics = store.metrics(child.run.id)
    expect(metrics[0].step).toBe(11)
    expect(metrics[0].lrG).toBe(4e-4)
    expect(metrics).toHaveLength(5)
    expect(() => forkRun(store, parent.run.id, 10, { grouping: 'grouped' })).toThrow(/keeps the parent's grouping/)
    expect(() => forkRun(store, parent.run.id, 5, {})).toThrow(/no checkpoint at or before step 5; its checkpoints are at 10, 20/)
  })

  it('stores a decodable DCGAN grid on digits', async () => {
    const session = startRun(store, { dataset: 'digits', model: { preset: 'dcgan', width: 8, latentDim: 16 }, batchSize: 16, steps: 2, sampleEvery: 1 }, { dataDir: dir })
    const result = await session.finished
    expect(result.error).toBeUndefined()
    expect(result.status).toBe('completed')
    const grid = store.sample(session.run.id, 'grid')
    expect(grid?.step).toBe(2)
    const image = decode(grid!.png!)
    expect(image.width).toBe(8 * 30 + 2)
    expect(image.height).toBe(8 * 30 + 2)
  })

  it('fails cleanly on an unknown dataset', async () => {
    const session = startRun(store, { ...toy, dataset: join(dir, 'missing-folder') }, { dataDir: dir })
    const result = await session.finished
    expect(result.status).toBe('failed')
    expect(result.error).toMatch(/missing-folder/)
    expect(store.getRun(session.run.id).status).toBe('failed')
  })
})
