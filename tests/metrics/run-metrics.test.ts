import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isEvaluation } from '../../src/main/metrics/names'
import { latestEvaluation, runHealth } from '../../src/main/metrics/stored'
import { RunStore } from '../../src/main/store/run-store'
import { startRun } from '../../src/main/trainer/host'

let dir: string
let dbFile: string
let store: RunStore
let runId: number

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ganwb-run-metrics-'))
  process.env.GANWB_DATA_DIR = dir
  dbFile = join(dir, 'runs.sqlite')
  store = new RunStore(dbFile)
  const session = startRun(
    store,
    { dataset: 'ring8', model: { preset: 'mlp', width: 32, depth: 2, latentDim: 8 }, batchSize: 64, seed: 3, steps: 25, metricsEvery: 10 },
    { dataDir: dir, emitIntervalMs: 50 },
  )
  const result = await session.finished
  expect(result.status).toBe('completed')
  runId = session.run.id
})

afterAll(() => {
  store.close()
  rmSync(dir, { recursive: true, force: true })
})

/** Runs the command line against the test database and parses its JSON output. */
function cli(...args: string[]): unknown {
  const output = execFileSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args, '--json', '--db', dbFile], {
    env: { ...process.env, GANWB_DATA_DIR: dir },
    encoding: 'utf8',
  })
  return JSON.parse(output)
}

describe('metrics in a stored run', () => {
  it('evaluated rows carry the metrics', () => {
    const rows = store.metrics(runId)
    expect(rows).toHaveLength(25)
    // Every 10 steps and at the last step. No other row has extra values.
    expect(rows.filter((row) => isEvaluation(row.extra)).map((row) => row.step)).toEqual([10, 20, 25])
    expect(rows.filter((row) => row.extra !== undefined)).toHaveLength(3)
    for (const row of rows.filter((r) => r.extra)) {
      const extra = row.extra as Record<string, number>
      expect(extra.modesTotal).toBe(8)
      expect(extra.modesCovered).toBeGreaterThanOrEqual(0)
      expect(extra.modesCovered).toBeLessThanOrEqual(8)
      expect(extra.jsRealFake).toBeGreaterThanOrEqual(0)
      expect(extra.jsRealFake).toBeLessThanOrEqual(Math.log(2) + 1e-9)
      expect(extra.highQualityShare).toBeGreaterThanOrEqual(0)
      expect(extra.dAccuracyReal).toBeGreaterThanOrEqual(0)
      expect(extra.dAccuracyFake).toBeLessThanOrEqual(1)
      expect(extra.evaluationSamples).toBe(2500)
    }
  })

  it('latest evaluation and health', () => {
    const latest = latestEvaluation(store, runId)
    expect(latest?.step).toBe(25)
    expect(latest?.metrics.klRealFake).toEqual(expect.any(Number))
    const warnings = runHealth(store, store.getRun(runId))
    // An MLP after 25 steps covers few modes, so coverage warnings are expected.
    expect(warnings.map((w) => w.code)).toContain('MODES_MISSING')
  })

  it('runs show and list print them', () => {
    const details = cli('runs', 'show', String(runId)) as { latestEvaluation: { step: number; metrics: Record<string, number> }; health: unknown[] }
    expect(details.latestEvaluation.step).toBe(25)
    expect(details.latestEvaluation.metrics.modesTotal).toBe(8)
    expect(details.health.length).toBeGreaterThan(0)
    const listed = cli('runs', 'list') as Array<Record<string, unknown>>
    const row = listed.find((r) => r.id === runId) as Record<string, unknown>
    expect(row.evaluationStep).toBe(25)
    expect(row.modesTotal).toBe(8)
    expect(row.modesCovered).toBe(details.latestEvaluation.metrics.modesCovered)
    expect(row.fd).toBeNull()
  })
})
