import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { RunStore } from '../../src/main/store/run-store'
import { migrate, StoreError } from '../../src/main/store/database'
import { latestSchemaVersion, migrations } from '../../src/main/store/migrations'

let dir: string
let file: string

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ganwb-store-'))
  file = join(dir, 'runs.sqlite')
})

afterEach(() => rmSync(dir, { recursive: true, force: true }))

const newRun = { name: 'r', config: { lr: 1 }, seed: 3, dataset: 'digits', model: 'dcgan', totalSteps: 100 }

describe('run store', () => {
  it('creates the schema in WAL mode', () => {
    const store = new RunStore(file)
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal')
    expect(store.db.pragma('user_version', { simple: true })).toBe(latestSchemaVersion)
    expect(store.integrityCheck()).toBe('ok')
    store.close()
  })

  it('migration 1 creates every table', () => {
    const db = new Database(join(dir, 'm1.sqlite'))
    migrate(db, 'm1.sqlite', migrations.slice(0, 1))
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as Array<{ name: string }>)
      .map((row) => row.name)
    expect(tables).toEqual(expect.arrayContaining(['checkpoints', 'events', 'metrics', 'runs', 'samples']))
    expect(db.pragma('user_version', { simple: true })).toBe(1)
    db.close()
  })

  it('rejects a database from a newer version', () => {
    const db = new Database(file)
    db.pragma(`user_version = ${latestSchemaVersion + 1}`)
    db.close()
    let error: unknown
    try {
      new RunStore(file)
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(StoreError)
    expect((error as StoreError).code).toBe('NEWER_SCHEMA')
    expect((error as Error).message).toMatch(/newer version of GAN Workbench \(schema \d+; this version knows up to \d+\)/)
  })

  it('rolls back a failing migration', () => {
    const db = new Database(file)
    const broken = [
      migrations[0],
      { version: 2, name: 'broken', up: (d: Database.Database) => d.exec('CREATE TABLE x (a); SELECT * FROM missing_table') },
    ]
    expect(() => migrate(db, file, broken)).toThrow(/migration 2 \(broken\) failed/)
    expect(db.pragma('user_version', { simple: true })).toBe(0)
    expect(db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'runs'").get()).toEqual({ n: 0 })
    db.close()
  })

  it('rejects migrations out of order', () => {
    const db = new Database(file)
    expect(() => migrate(db, file, [{ ...migrations[0], version: 2 }])).toThrow(/versions must count up from 1/)
    db.close()
  })

  it('stores runs, metrics, samples, events, checkpoints', () => {
    const store = new RunStore(file)
    const run = store.createRun(newRun)
    expect(run.status).toBe('created')
    expect(run.config).toEqual({ lr: 1 })
    const metric = { step: 1, dLoss: 1.2, gLoss: NaN, dReal: 0.5, dFake: 0.4, gradNormG: 1, gradNormD: 2, leakNorm: null, lrG: 2e-4, lrD: 2e-4, seconds: 0.1, extra: { fid: 3 } }
    store.appendMetrics(run.id, [metric, { ...metric, step: 2 }], { step: 2, seconds: 0.2 })
    expect(store.metrics(run.id)).toHaveLength(2)
    expect(store.metrics(run.id)[0].gLoss).toBeNull()
    expect(store.metrics(run.id)[0].extra).toEqual({ fid: 3 })
    expect(store.getRun(run.id).step).toBe(2)
    store.addSample({ runId: run.id, step: 0, kind: 'grid', png: Buffer.from([1]) })
    store.addSample({ runId: run.id, step: 100, kind: 'grid', png: Buffer.from([2]) })
    expect(store.sample(run.id, 'grid', 70)?.step).toBe(100)
    expect(store.sample(run.id, 'grid', 20)?.step).toBe(0)
    expect(store.sample(run.id)?.step).toBe(100)
    expect(store.sampleSteps(run.id)).toEqual([0, 100])
    store.addEvent(run.id, 5, 'lr-change', 'G lr up', { lrG: [1, 2] })
    expect(store.events(run.id)[0]).toMatchObject({ step: 5, kind: 'lr-change', data: { lrG: [1, 2] } })
    store.saveCheckpoint({ runId: run.id, step: 50, generator: Buffer.from([1]), discriminator: Buffer.from([2]), optimizers: Buffer.from([3]), state: { rng: [1] } })
    expect(store.checkpoint(run.id)?.state).toEqual({ rng: [1] })
    expect(store.checkpoint(run.id, { atOrBefore: 49 })).toBeNull()
    store.truncateAfter(run.id, 1)
    expect(store.metrics(run.id).map((m) => m.step)).toEqual([1])
    expect(store.sampleSteps(run.id)).toEqual([0])
    store.deleteRun(run.id)
    expect(store.findRun(run.id)).toBeNull()
    expect(store.metrics(run.id)).toHaveLength(0)
    store.close()
  })

  it('marks runs of dead processes interrupted', () => {
    const store = new RunStore(file)
    const mine = store.createRun(newRun)
    const orphan = store.createRun(newRun)
    store.setStatus(mine.id, 'running')
    store.setStatus(orphan.id, 'running', { pid: 2 ** 22 + 12345 })
    expect(store.recoverInterrupted()).toEqual([orphan.id])
    expect(store.getRun(orphan.id).status).toBe('interrupted')
    expect(store.getRun(mine.id).status).toBe('running')
    store.close()
  })

  it('names the run and the fix when not found', () => {
    const store = new RunStore(file)
    expect(() => store.getRun(42)).toThrow(/run 42 not found .*runs list/)
    store.close()
  })
})
