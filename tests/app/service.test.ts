// AppService against a real run database and real training workers.
import { spawnSync } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { BackendEvent, Metric, RunStatus } from '../../src/shared/contract'
import type { AppService } from '../../src/main/app/service'
import type { RunStore } from '../../src/main/store/run-store'
import { createService, failure, ok, toyConfig, useTempDataDir, waitForEvent } from './helpers'

type Done = Extract<BackendEvent, { type: 'run.done' }>
type MetricsEvent = Extract<BackendEvent, { type: 'run.metrics' }>

const temp = useTempDataDir('ganwb-service-')
let service: AppService
let store: RunStore
let events: BackendEvent[]

beforeAll(() => {
  ;({ service, store, events } = createService(temp.dir))
})

afterAll(async () => {
  await service.dispose()
  store.close()
  temp.remove()
})

const isDone = (runId: number) => (event: BackendEvent): event is Done => event.type === 'run.done' && event.runId === runId
const hasStatus = (runId: number, status: RunStatus) => (event: BackendEvent) =>
  event.type === 'run.status' && event.runId === runId && event.status === status
const reachedStep = (runId: number, step: number) => (event: BackendEvent) =>
  event.type === 'run.metrics' && event.runId === runId && event.rows.some((row) => row.step >= step)
const metricSteps = (runId: number): number[] =>
  events.filter((event): event is MetricsEvent => event.type === 'run.metrics' && event.runId === runId).flatMap((event) => event.rows.map((row) => row.step))

describe('AppService app and config', () => {
  it('app.info reports backend and paths', async () => {
    const info = await ok(service, 'app.info', {})
    expect(info.version).toBe('0.0.0-test')
    expect(info.transport).toBe('browser')
    expect(info.dataDir).toBe(temp.dir)
    expect(info.database).toBe(store.file)
    expect(info.backendError).toBeNull()
    expect(['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu']).toContain(info.backend?.name)
    expect(info.backend?.tried.at(-1)?.ok).toBe(true)
  })

  it('config.defaults fills every field', async () => {
    const { defaults } = await ok(service, 'config.defaults', {})
    expect(defaults.dataset).toBe('digits')
    expect((defaults.model as { preset: string }).preset).toBe('dcgan')
    expect(defaults.steps).toBe(2000)
  })
})

describe('AppService training', () => {
  let finishedRun: number

  it('streams a toy run to the end', async () => {
    const { runId } = await ok(service, 'training.start', { config: { ...toyConfig, sampleEvery: 10, checkpointEvery: 10 } })
    expect((await ok(service, 'runs.get', { runId })).live).toBe(true)
    const done = await waitForEvent(service, events, isDone(runId))
    expect(done).toEqual({ type: 'run.done', runId, status: 'completed', step: 30 })
    finishedRun = runId

    expect(metricSteps(runId)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1))
    const ready = events.find((event) => event.type === 'run.ready' && event.runId === runId)
    expect(ready).toMatchObject({ backend: expect.any(String), device: expect.any(String), step: 0 })
    const progress = events.find((event) => event.type === 'run.progress' && event.runId === runId)
    expect(progress).toMatchObject({ type: 'run.progress', phase: expect.any(String), fraction: expect.any(Number), message: expect.any(String) })
    expect(events.every((event) => event.type.includes('.')), 'every event type is namespaced').toBe(true)
    const samples = events.flatMap((event) => (event.type === 'run.sample' && event.sample.runId === runId ? [event.sample] : []))
    expect(samples.map((sample) => sample.step)).toEqual([0, 10, 20, 30])
    const points = samples[0]
    if (points.kind !== 'points') expect.fail(`a ring8 run sends points, got ${points.kind}`)
    expect(points.data.fake[0]).toHaveLength(2)
    expect(events.some(hasStatus(runId, 'running'))).toBe(true)
    const started = events.find((event) => event.type === 'run.event' && event.runId === runId)
    expect(started).toMatchObject({ event: { kind: 'started' } })
  })

  it('runs.get returns the stored run', async () => {
    const run = await ok(service, 'runs.get', { runId: finishedRun })
    expect(run.status).toBe('completed')
    expect(run.live).toBe(false)
    expect(run.step).toBe(30)
    expect(run.checkpoints).toEqual([10, 20, 30])
    expect(run.pointSteps).toEqual([0, 10, 20, 30])
    expect(run.gridSteps).toEqual([])
    expect(run.events.map((event) => event.kind)).toEqual(['started', 'completed'])
    expect(run.last?.step).toBe(30)
    expect((run.config as { dataset: string }).dataset).toBe('ring8')
    const listed = await ok(service, 'runs.list', {})
    expect(listed.find((summary) => summary.id === finishedRun)?.status).toBe('completed')
  })

  it('runs.metrics thins evenly, keeping the ends', async () => {
    const all = await ok(service, 'runs.metrics', { runId: finishedRun })
    expect(all.map((row) => row.step)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1))
    const thinned = await ok(service, 'runs.metrics', { runId: finishedRun, maxPoints: 10 })
    const steps = thinned.map((row: Metric) => row.step)
    expect(steps).toHaveLength(10)
    expect(steps[0]).toBe(1)
    expect(steps.at(-1)).toBe(30)
    expect(steps.every((step, i) => i === 0 || step > steps[i - 1])).toBe(true)
    // Gaps of 3 or 4 rows: evenly spread.
    expect(new Set(steps.slice(1).map((step, i) => step - steps[i]))).toEqual(new Set([3, 4]))
    const tail = await ok(service, 'runs.metrics', { runId: finishedRun, fromStep: 25 })
    expect(tail.map((row) => row.step)).toEqual([25, 26, 27, 28, 29, 30])
    const wide = await ok(service, 'runs.metrics', { runId: finishedRun, maxPoints: 100 })
    expect(wide).toHaveLength(30)
  })

  it('runs.sample picks the nearest step', async () => {
    const sample = await ok(service, 'runs.sample', { runId: finishedRun, kind: 'points', step: 12 })
    expect(sample?.step).toBe(10)
    expect(sample?.kind).toBe('points')
    const latest = await ok(service, 'runs.sample', { runId: finishedRun, kind: 'points' })
    expect(latest?.step).toBe(30)
    expect(await ok(service, 'runs.sample', { runId: finishedRun, kind: 'grid' })).toBeNull()
  })

  it('controls a live run', async () => {
    const { runId } = await ok(service, 'training.start', { config: { ...toyConfig, steps: 1_000_000, checkpointEvery: 100_000 } })
    await waitForEvent(service, events, reachedStep(runId, 3))
    const running = await failure(service, 'training.control', { runId, action: 'step' })
    expect(running.code).toBe('CONFLICT')
    expect(running.message).toContain('pause it')

    await ok(service, 'training.control', { runId, action: 'pause' })
    const paused = await waitForEvent(service, events, hasStatus(runId, 'paused'))
    const pausedAt = (paused as Extract<BackendEvent, { type: 'run.status' }>).step
    await ok(service, 'training.set', { runId, lrG: 1e-3, dSteps: 2 })
    await ok(service, 'training.control', { runId, action: 'step' })
    await waitForEvent(service, events, reachedStep(runId, pausedAt + 1))
    expect(Math.max(...metricSteps(runId))).toBe(pausedAt + 1)

    await ok(service, 'training.control', { runId, action: 'resume' })
    await waitForEvent(service, events, reachedStep(runId, pausedAt + 4))
    await ok(service, 'training.control', { runId, action: 'stop' })
    const done = await waitForEvent(service, events, isDone(runId))
    expect(done.status).toBe('stopped')

    const run = await ok(service, 'runs.get', { runId })
    expect(run.status).toBe('stopped')
    expect(run.checkpoints).toEqual([done.step])
    expect(run.events.map((event) => event.kind)).toEqual(expect.arrayContaining(['paused', 'lr-change', 'ratio-change', 'single-step', 'resumed', 'stopped']))
    const metrics = await ok(service, 'runs.metrics', { runId, fromStep: done.step })
    expect(metrics[0].lrG).toBe(1e-3)

    for (const [channel, payload] of [
      ['training.control', { runId, action: 'pause' }],
      ['training.set', { runId, lrD: 1e-3 }],
    ] as const) {
      const error = await failure(service, channel, payload)
      expect(error.code, channel).toBe('CONFLICT')
      expect(error.message, channel).toContain(`run ${runId} is stopped`)
    }

    const resumed = await ok(service, 'training.resume', { runId, steps: done.step + 5 })
    expect(resumed.runId).toBe(runId)
    const again = await failure(service, 'training.resume', { runId })
    expect(again.code).toBe('CONFLICT')
    const finished = await waitForEvent(service, events, (event) => isDone(runId)(event) && event.status === 'completed')
    expect((finished as Done).step).toBe(done.step + 5)
    const noMore = await failure(service, 'training.resume', { runId })
    expect(noMore.code).toBe('CONFLICT')
    expect(noMore.message).toContain(`already reached step ${done.step + 5}`)
  })

  it('training.set needs a change', async () => {
    const error = await failure(service, 'training.set', { runId: finishedRun })
    expect(error.code).toBe('INVALID_REQUEST')
  })

  it('forks from a checkpoint', async () => {
    const { runId } = await ok(service, 'training.fork', { runId: finishedRun, step: 20, changes: { optimizerG: { lr: 4e-4 }, steps: 25 } })
    expect(runId).not.toBe(finishedRun)
    const done = await waitForEvent(service, events, isDone(runId))
    expect(done.status).toBe('completed')
    const run = await ok(service, 'runs.get', { runId })
    expect(run.parentRunId).toBe(finishedRun)
    expect(run.parentStep).toBe(20)
    expect(metricSteps(runId)).toEqual([21, 22, 23, 24, 25])
  })

  it('rejects a fork that changes the model', async () => {
    const error = await failure(service, 'training.fork', { runId: finishedRun, changes: { model: { width: 32 }, grouping: 'separate' } })
    expect(error.code).toBe('INVALID_CONFIG')
    expect(error.issues?.map((issue) => issue.path)).toEqual(['model.width'])
    const missing = await failure(service, 'training.fork', { runId: finishedRun, step: 5, changes: {} })
    expect(missing.code).toBe('NOT_FOUND')
    expect(missing.message).toContain('10, 20, 30')
  })

  it('names invalid config fields', async () => {
    const error = await failure(service, 'training.start', { config: { ...toyConfig, steps: -1, model: { preset: 'mlp', width: 'wide' } } })
    expect(error.code).toBe('INVALID_CONFIG')
    expect(error.issues?.map((issue) => issue.path).sort()).toEqual(['model.width', 'steps'])
    const badFork = await failure(service, 'training.fork', { runId: finishedRun, changes: { optimizerG: { lr: -1 } } })
    expect(badFork.code).toBe('INVALID_CONFIG')
    expect(badFork.issues?.map((issue) => issue.path)).toEqual(['optimizerG.lr'])
  })

  it('reports a missing run', async () => {
    for (const channel of ['runs.get', 'runs.delete', 'runs.metrics', 'training.resume'] as const) {
      const error = await failure(service, channel, { runId: 99_999 })
      expect(error.code, channel).toBe('NOT_FOUND')
      expect(error.message, channel).toContain('run 99999 not found')
    }
    const control = await failure(service, 'training.control', { runId: 99_999, action: 'stop' })
    expect(control.code).toBe('NOT_FOUND')
  })

  it('updates and deletes runs', async () => {
    const { runId } = await ok(service, 'training.start', { config: { ...toyConfig, steps: 3 } })
    const live = await failure(service, 'runs.delete', { runId })
    expect(live.code).toBe('CONFLICT')
    await waitForEvent(service, events, isDone(runId))

    const updated = await ok(service, 'runs.update', { runId, name: 'renamed', note: 'a note', tags: ['a', 'b', 'a'], hidden: true })
    expect(updated).toMatchObject({ id: runId, name: 'renamed', note: 'a note', tags: ['a', 'b'], hidden: true })
    expect((await ok(service, 'runs.list', {})).some((run) => run.id === runId)).toBe(false)
    expect((await ok(service, 'runs.list', { includeHidden: true })).some((run) => run.id === runId)).toBe(true)

    expect(await ok(service, 'runs.delete', { runId })).toEqual({ deleted: runId })
    expect((await failure(service, 'runs.get', { runId })).code).toBe('NOT_FOUND')
  })

  it('passes invalid requests back', async () => {
    const error = await failure(service, 'runs.get', { runId: -1 })
    expect(error.code).toBe('INVALID_REQUEST')
    expect(error.issues?.[0].path).toBe('runId')
    expect((await failure(service, 'runs.nothing' as never, {})).code).toBe('UNKNOWN_CHANNEL')
  })
})

describe('AppService lifecycle', () => {
  it('marks orphaned runs interrupted', () => {
    const run = store.createRun({ name: 'orphan', config: {}, seed: 0, dataset: 'ring8', model: 'mlp', totalSteps: 10 })
    // The pid of a process that has exited: the run's trainer is gone.
    const exited = spawnSync(process.execPath, ['-e', '0']).pid
    store.setStatus(run.id, 'running', { pid: exited })
    const second = createService(temp.dir, { store })
    expect(store.getRun(run.id).status).toBe('interrupted')
    expect(second.log.lines.some((line) => line.includes(`${run.id}`) && line.includes('interrupted'))).toBe(true)
  })

  it('dispose checkpoints live runs', async () => {
    const local = createService(temp.dir, { store })
    const { runId } = await ok(local.service, 'training.start', { config: { ...toyConfig, steps: 1_000_000, checkpointEvery: 100_000 } })
    await waitForEvent(local.service, local.events, reachedStep(runId, 2))
    await local.service.dispose()
    const run = store.getRun(runId)
    expect(run.status).toBe('stopped')
    expect(store.checkpointSteps(runId)).toEqual([run.step])
    expect(local.events.find((event) => event.type === 'run.done' && event.runId === runId)).toMatchObject({ status: 'stopped' })
    const after = await failure(local.service, 'runs.list', {})
    expect(after.code).toBe('FAILED')
    expect(after.message).toContain('shutting down')
  })
})
