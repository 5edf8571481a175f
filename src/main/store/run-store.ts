import type Database from 'better-sqlite3'
import { openDatabase, StoreError, type OpenOptions } from './database'
import type {
  CheckpointRecord, EventRecord, MetricRecord, NewRun, RunRecord, RunStatus, SampleRecord,
} from './types'

interface RunRow {
  id: number
  name: string
  status: RunStatus
  config: string
  seed: number
  dataset: string
  model: string
  backend: string | null
  device: string | null
  parent_run_id: number | null
  parent_step: number | null
  step: number
  total_steps: number
  seconds: number
  pid: number | null
  error: string | null
  note: string
  tags: string
  hidden: number
  created_at: string
  updated_at: string
}

interface MetricRow {
  step: number
  d_loss: number | null
  g_loss: number | null
  d_real: number | null
  d_fake: number | null
  grad_norm_g: number | null
  grad_norm_d: number | null
  leak_norm: number | null
  lr_g: number | null
  lr_d: number | null
  seconds: number | null
  extra: string | null
}

function toRun(row: RunRow): RunRecord {
  return {
    id: row.id,
    name: row.name,
    status: row.status,
    config: JSON.parse(row.config),
    seed: row.seed,
    dataset: row.dataset,
    model: row.model,
    backend: row.backend,
    device: row.device,
    parentRunId: row.parent_run_id,
    parentStep: row.parent_step,
    step: row.step,
    totalSteps: row.total_steps,
    seconds: row.seconds,
    pid: row.pid,
    error: row.error,
    note: row.note,
    tags: JSON.parse(row.tags) as string[],
    hidden: row.hidden !== 0,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

function toMetric(row: MetricRow): MetricRecord {
  const metric: MetricRecord = {
    step: row.step,
    dLoss: row.d_loss,
    gLoss: row.g_loss,
    dReal: row.d_real,
    dFake: row.d_fake,
    gradNormG: row.grad_norm_g,
    gradNormD: row.grad_norm_d,
    leakNorm: row.leak_norm,
    lrG: row.lr_g,
    lrD: row.lr_d,
    seconds: row.seconds,
  }
  if (row.extra) metric.extra = JSON.parse(row.extra) as Record<string, number | null>
  return metric
}

/** SQLite stores NaN as NULL; infinities are kept. */
function finiteOrNull(value: number | null | undefined): number | null {
  return value === undefined || value === null || Number.isNaN(value) ? null : value
}

const now = (): string => new Date().toISOString()

/** Is a process with this id alive? Signal 0 checks without sending anything. */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * The run database: runs, per-step metrics, sample grids, events and checkpoints in one SQLite file.
 * Every query is a prepared statement; multi-row writes run in one transaction.
 */
export class RunStore {
  readonly db: Database.Database
  private readonly statements

  constructor(readonly file: string, options: OpenOptions = {}) {
    this.db = openDatabase(file, options)
    const db = this.db
    this.statements = {
      insertRun: db.prepare(`
        INSERT INTO runs (name, status, config, seed, dataset, model, backend, device, parent_run_id,
                          parent_step, total_steps, created_at, updated_at)
        VALUES (@name, 'created', @config, @seed, @dataset, @model, @backend, @device, @parentRunId,
                @parentStep, @totalSteps, @now, @now)`),
      getRun: db.prepare('SELECT * FROM runs WHERE id = ?'),
      listRuns: db.prepare('SELECT * FROM runs ORDER BY id DESC'),
      setStatus: db.prepare(`
        UPDATE runs SET status = @status, error = @error, pid = @pid, updated_at = @now WHERE id = @id`),
      setProgress: db.prepare(`
        UPDATE runs SET step = @step, seconds = @seconds, updated_at = @now WHERE id = @id AND step <= @step`),
      setRuntime: db.prepare('UPDATE runs SET backend = @backend, device = @device, updated_at = @now WHERE id = @id'),
      setConfig: db.prepare('UPDATE runs SET config = @config, total_steps = @totalSteps, updated_at = @now WHERE id = @id'),
      setName: db.prepare('UPDATE runs SET name = ?, updated_at = ? WHERE id = ?'),
      setNote: db.prepare('UPDATE runs SET note = ?, updated_at = ? WHERE id = ?'),
      setTags: db.prepare('UPDATE runs SET tags = ?, updated_at = ? WHERE id = ?'),
      setHidden: db.prepare('UPDATE runs SET hidden = ?, updated_at = ? WHERE id = ?'),
      deleteRun: db.prepare('DELETE FROM runs WHERE id = ?'),
      activeRuns: db.prepare("SELECT id, pid FROM runs WHERE status IN ('running', 'paused')"),
      insertMetric: db.prepare(`
        INSERT OR REPLACE INTO metrics (run_id, step, d_loss, g_loss, d_real, d_fake, grad_norm_g,
          grad_norm_d, leak_norm, lr_g, lr_d, seconds, extra)
        VALUES (@runId, @step, @dLoss, @gLoss, @dReal, @dFake, @gradNormG, @gradNormD, @leakNorm, @lrG,
          @lrD, @seconds, @extra)`),
      metrics: db.prepare('SELECT * FROM metrics WHERE run_id = ? AND step BETWEEN ? AND ? ORDER BY step'),
      lastMetric: db.prepare('SELECT * FROM metrics WHERE run_id = ? ORDER BY step DESC LIMIT 1'),
      deleteMetricsAfter: db.prepare('DELETE FROM metrics WHERE run_id = ? AND step > ?'),
      insertSample: db.prepare(`
        INSERT OR REPLACE INTO samples (run_id, step, kind, png, data) VALUES (@runId, @step, @kind, @png, @data)`),
      sampleSteps: db.prepare('SELECT step FROM samples WHERE run_id = ? AND kind = ? ORDER BY step'),
      sampleNearest: db.prepare(`
        SELECT * FROM samples WHERE run_id = @runId AND kind = @kind
        ORDER BY abs(step - @step), step DESC LIMIT 1`),
      sampleLatest: db.prepare('SELECT * FROM samples WHERE run_id = ? AND kind = ? ORDER BY step DESC LIMIT 1'),
      deleteSamplesAfter: db.prepare('DELETE FROM samples WHERE run_id = ? AND step > ?'),
      insertEvent: db.prepare(`
        INSERT INTO events (run_id, step, kind, message, data, created_at)
        VALUES (@runId, @step, @kind, @message, @data, @now)`),
      events: db.prepare('SELECT * FROM events WHERE run_id = ? ORDER BY step, id'),
      insertCheckpoint: db.prepare(`
        INSERT OR REPLACE INTO checkpoints (run_id, step, generator, discriminator, optimizers, state, created_at)
        VALUES (@runId, @step, @generator, @discriminator, @optimizers, @state, @now)`),
      checkpointSteps: db.prepare('SELECT step FROM checkpoints WHERE run_id = ? ORDER BY step'),
      checkpointAt: db.prepare('SELECT * FROM checkpoints WHERE run_id = ? AND step = ?'),
      latestCheckpoint: db.prepare('SELECT * FROM checkpoints WHERE run_id = ? AND step <= ? ORDER BY step DESC LIMIT 1'),
    }
  }

  close(): void {
    if (this.db.open) this.db.close()
  }

  // ---- runs -------------------------------------------------------------------------------------

  createRun(run: NewRun): RunRecord {
    const info = this.statements.insertRun.run({
      name: run.name,
      config: JSON.stringify(run.config),
      seed: run.seed,
      dataset: run.dataset,
      model: run.model,
      backend: run.backend ?? null,
      device: run.device ?? null,
      parentRunId: run.parentRunId ?? null,
      parentStep: run.parentStep ?? null,
      totalSteps: run.totalSteps,
      now: now(),
    })
    return this.getRun(Number(info.lastInsertRowid))
  }

  findRun(id: number): RunRecord | null {
    const row = this.statements.getRun.get(id) as RunRow | undefined
    return row ? toRun(row) : null
  }

  getRun(id: number): RunRecord {
    const run = this.findRun(id)
    if (!run) throw new StoreError('NOT_FOUND', `run ${id} not found in ${this.file}; list the runs with: npm run cli -- runs list`)
    return run
  }

  listRuns(options: { includeHidden?: boolean } = {}): RunRecord[] {
    const runs = (this.statements.listRuns.all() as RunRow[]).map(toRun)
    return options.includeHidden ? runs : runs.filter((run) => !run.hidden)
  }

  setStatus(id: number, status: RunStatus, details: { error?: string | null; pid?: number | null } = {}): void {
    const active = status === 'running' || status === 'paused'
    this.statements.setStatus.run({
      id,
      status,
      error: details.error ?? null,
      pid: active ? (details.pid ?? process.pid) : null,
      now: now(),
    })
  }

  setRuntime(id: number, backend: string, device: string): void {
    this.statements.setRuntime.run({ id, backend, device, now: now() })
  }

  setConfig(id: number, config: unknown, totalSteps: number): void {
    this.statements.setConfig.run({ id, config: JSON.stringify(config), totalSteps, now: now() })
  }

  rename(id: number, name: string): void {
    this.statements.setName.run(name, now(), id)
  }

  setNote(id: number, note: string): void {
    this.statements.setNote.run(note, now(), id)
  }

  setTags(id: number, tags: string[]): void {
    this.statements.setTags.run(JSON.stringify([...new Set(tags)]), now(), id)
  }

  setHidden(id: number, hidden: boolean): void {
    this.statements.setHidden.run(hidden ? 1 : 0, now(), id)
  }

  deleteRun(id: number): void {
    this.statements.deleteRun.run(id)
  }

  /**
   * Marks runs left 'running' or 'paused' by a process that no longer exists as 'interrupted', so they
   * can be resumed from their last checkpoint. Returns their ids.
   */
  recoverInterrupted(): number[] {
    const stale = (this.statements.activeRuns.all() as Array<{ id: number; pid: number | null }>)
      .filter((run) => run.pid === null || (run.pid !== process.pid && !processAlive(run.pid)))
    const mark = this.db.transaction(() => {
      for (const run of stale) {
        this.setStatus(run.id, 'interrupted', { error: 'the process training this run ended without finishing it' })
      }
    })
    mark()
    return stale.map((run) => run.id)
  }

  // ---- metrics, samples, events -----------------------------------------------------------------

  /** Stores one interval's metrics and the run's progress in one transaction. */
  appendMetrics(runId: number, rows: readonly MetricRecord[], progress?: { step: number; seconds: number }): void {
    const write = this.db.transaction(() => {
      for (const row of rows) {
        this.statements.insertMetric.run({
          runId,
          step: row.step,
          dLoss: finiteOrNull(row.dLoss),
          gLoss: finiteOrNull(row.gLoss),
          dReal: finiteOrNull(row.dReal),
          dFake: finiteOrNull(row.dFake),
          gradNormG: finiteOrNull(row.gradNormG),
          gradNormD: finiteOrNull(row.gradNormD),
          leakNorm: finiteOrNull(row.leakNorm),
          lrG: finiteOrNull(row.lrG),
          lrD: finiteOrNull(row.lrD),
          seconds: finiteOrNull(row.seconds),
          extra: row.extra ? JSON.stringify(row.extra) : null,
        })
      }
      if (progress) this.statements.setProgress.run({ id: runId, ...progress, now: now() })
    })
    write()
  }

  metrics(runId: number, fromStep = 0, toStep = Number.MAX_SAFE_INTEGER): MetricRecord[] {
    return (this.statements.metrics.all(runId, fromStep, toStep) as MetricRow[]).map(toMetric)
  }

  lastMetrics(runId: number): MetricRecord | null {
    const row = this.statements.lastMetric.get(runId) as MetricRow | undefined
    return row ? toMetric(row) : null
  }

  addSample(sample: Omit<SampleRecord, 'data'> & { data?: unknown }): void {
    this.statements.insertSample.run({
      runId: sample.runId,
      step: sample.step,
      kind: sample.kind,
      png: sample.png,
      data: sample.data === undefined ? null : JSON.stringify(sample.data),
    })
  }

  sampleSteps(runId: number, kind: 'grid' | 'points' = 'grid'): number[] {
    return (this.statements.sampleSteps.all(runId, kind) as Array<{ step: number }>).map((row) => row.step)
  }

  /** The stored sample nearest to `step` (the later one on a tie), or the latest without a step. */
  sample(runId: number, kind: 'grid' | 'points' = 'grid', step?: number): SampleRecord | null {
    const row = (step === undefined
      ? this.statements.sampleLatest.get(runId, kind)
      : this.statements.sampleNearest.get({ runId, kind, step })) as
      | { run_id: number; step: number; kind: 'grid' | 'points'; png: Buffer | null; data: string | null }
      | undefined
    if (!row) return null
    return { runId: row.run_id, step: row.step, kind: row.kind, png: row.png, data: row.data ? JSON.parse(row.data) : null }
  }

  addEvent(runId: number, step: number, kind: string, message: string, data?: unknown): void {
    this.statements.insertEvent.run({
      runId, step, kind, message, data: data === undefined ? null : JSON.stringify(data), now: now(),
    })
  }

  events(runId: number): EventRecord[] {
    const rows = this.statements.events.all(runId) as Array<{
      id: number; run_id: number; step: number; kind: string; message: string; data: string | null; created_at: string
    }>
    return rows.map((row) => ({
      id: row.id,
      runId: row.run_id,
      step: row.step,
      kind: row.kind,
      message: row.message,
      data: row.data ? JSON.parse(row.data) : null,
      createdAt: row.created_at,
    }))
  }

  // ---- checkpoints ------------------------------------------------------------------------------

  saveCheckpoint(checkpoint: Omit<CheckpointRecord, 'createdAt'>): void {
    this.statements.insertCheckpoint.run({
      runId: checkpoint.runId,
      step: checkpoint.step,
      generator: checkpoint.generator,
      discriminator: checkpoint.discriminator,
      optimizers: checkpoint.optimizers,
      state: JSON.stringify(checkpoint.state),
      now: now(),
    })
  }

  checkpointSteps(runId: number): number[] {
    return (this.statements.checkpointSteps.all(runId) as Array<{ step: number }>).map((row) => row.step)
  }

  /** The checkpoint at `step` exactly, or the latest one at or before `atOrBefore`. */
  checkpoint(runId: number, query: { step?: number; atOrBefore?: number } = {}): CheckpointRecord | null {
    const row = (query.step !== undefined
      ? this.statements.checkpointAt.get(runId, query.step)
      : this.statements.latestCheckpoint.get(runId, query.atOrBefore ?? Number.MAX_SAFE_INTEGER)) as
      | { run_id: number; step: number; generator: Buffer; discriminator: Buffer; optimizers: Buffer; state: string; created_at: string }
      | undefined
    if (!row) return null
    return {
      runId: row.run_id,
      step: row.step,
      generator: row.generator,
      discriminator: row.discriminator,
      optimizers: row.optimizers,
      state: JSON.parse(row.state),
      createdAt: row.created_at,
    }
  }

  /**
   * Drops metrics and samples after `step`: a resumed run replays the steps after its checkpoint, and
   * the replayed values replace what the interrupted process had stored.
   */
  truncateAfter(runId: number, step: number): void {
    const cut = this.db.transaction(() => {
      this.statements.deleteMetricsAfter.run(runId, step)
      this.statements.deleteSamplesAfter.run(runId, step)
    })
    cut()
  }

  integrityCheck(): string {
    return this.db.pragma('integrity_check', { simple: true }) as string
  }
}
