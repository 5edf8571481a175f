import type { Command } from 'commander'
import { evaluationLines, healthLines } from '../main/metrics/report'
import { evaluationSummary, latestEvaluation, runHealth } from '../main/metrics/stored'
import type { RunRecord } from '../main/store/types'
import type { RunStore } from '../main/store/run-store'
import { parseRunConfig } from '../main/trainer/config'
import { forkRun, resumeRun } from '../main/trainer/host'
import { checkEngineSettings } from '../main/engine-node'
import { registerExportCommand } from './runs-export'
import { addConfigFlags, configFromFlags, followSession, openStore, type TrainFlags } from './train'

function parseId(value: string): number {
  const id = Number(value)
  if (!Number.isInteger(id) || id < 1) throw new Error(`a run id is a positive integer, got '${value}'`)
  return id
}

function withStore<T>(db: string | undefined, fn: (store: RunStore) => T): T {
  const store = openStore(db, { mustExist: true })
  try {
    return fn(store)
  } finally {
    store.close()
  }
}

const fmt = (value: number | null | undefined): string =>
  value === null || value === undefined ? '-' : value.toFixed(3)

function summarize(store: RunStore, run: RunRecord): Record<string, unknown> {
  const last = store.lastMetrics(run.id)
  const config = run.config as ReturnType<typeof parseRunConfig>
  return {
    id: run.id,
    name: run.name,
    status: run.status,
    dataset: run.dataset,
    model: run.model,
    step: run.step,
    totalSteps: run.totalSteps,
    // The learning rates in use at the last step: a live change during training moves them away from the config.
    lrG: last?.lrG ?? config.optimizerG?.lr,
    lrD: last?.lrD ?? config.optimizerD?.lr,
    ratio: `${config.dSteps}:${config.gSteps}`,
    grouping: config.grouping,
    scheme: config.scheme,
    loss: config.loss,
    dLoss: last?.dLoss ?? null,
    gLoss: last?.gLoss ?? null,
    ...evaluationSummary(store, run.id),
    parentRunId: run.parentRunId,
    parentStep: run.parentStep,
    createdAt: run.createdAt,
  }
}

function printTable(rows: Array<Record<string, unknown>>, columns: string[]): void {
  const cells = rows.map((row) => columns.map((column) => {
    const value = row[column]
    if (value === null || value === undefined) return '-'
    // Three significant digits keep learning rates (2e-4) and losses (1.19) readable alike.
    return typeof value === 'number' && !Number.isInteger(value) ? String(Number(value.toPrecision(3))) : String(value)
  }))
  const widths = columns.map((column, i) => Math.max(column.length, ...cells.map((row) => row[i].length)))
  const line = (values: string[]): string => values.map((value, i) => value.padEnd(widths[i])).join('  ').trimEnd()
  process.stdout.write(`${line(columns)}\n`)
  for (const row of cells) process.stdout.write(`${line(row)}\n`)
}

export function registerRunsCommands(program: Command): void {
  const runs = program.command('runs').description('list, show, export, resume and fork stored runs')

  runs
    .command('list')
    .description('list the stored runs, newest first')
    .option('--json', 'print JSON')
    .option('--all', 'include hidden runs')
    .option('--db <file>', "run database (default: the app's own)")
    .action((flags: { json?: boolean; all?: boolean; db?: string }) => {
      withStore(flags.db, (store) => {
        const rows = store.listRuns({ includeHidden: flags.all }).map((run) => summarize(store, run))
        if (flags.json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`)
        else if (rows.length === 0) process.stdout.write('no runs yet: start one with npm run cli -- train\n')
        else printTable(rows, ['id', 'name', 'status', 'step', 'totalSteps', 'dLoss', 'gLoss', 'lrG', 'lrD', 'ratio', 'grouping', 'scheme'])
      })
    })

  runs
    .command('show <id>')
    .description('show a run: configuration, status, last metrics, latest evaluation, health warnings, checkpoints and events')
    .option('--json', 'print JSON')
    .option('--db <file>', "run database (default: the app's own)")
    .action((idText: string, flags: { json?: boolean; db?: string }) => {
      withStore(flags.db, (store) => {
        const run = store.getRun(parseId(idText))
        const details = {
          ...run,
          lastMetrics: store.lastMetrics(run.id),
          checkpoints: store.checkpointSteps(run.id),
          samples: store.sampleSteps(run.id, 'grid').length + store.sampleSteps(run.id, 'points').length,
          events: store.events(run.id),
          latestEvaluation: latestEvaluation(store, run.id),
          health: runHealth(store, run),
        }
        if (flags.json) {
          process.stdout.write(`${JSON.stringify(details, null, 2)}\n`)
          return
        }
        const m = details.lastMetrics
        process.stdout.write(
          [
            `run ${run.id}: ${run.name}`,
            `status     ${run.status}${run.error ? ` (${run.error.split('\n')[0]})` : ''}`,
            `progress   step ${run.step} of ${run.totalSteps}, ${run.seconds.toFixed(1)} s of training`,
            `data/model ${run.dataset}, ${run.model}, backend ${run.backend ?? '-'} (${run.device ?? '-'})`,
            run.parentRunId ? `forked     from run ${run.parentRunId} at step ${run.parentStep}` : null,
            `last       D ${fmt(m?.dLoss)}  G ${fmt(m?.gLoss)}  D(x) ${fmt(m?.dReal)}  D(G(z)) ${fmt(m?.dFake)}`,
            ...evaluationLines(details.latestEvaluation, run.dataset),
            ...healthLines(details.health),
            `checkpoints ${details.checkpoints.join(', ') || 'none'}`,
            `config     ${JSON.stringify(run.config)}`,
            ...details.events.slice(-10).map((event) => `event      step ${event.step}: ${event.kind}: ${event.message}`),
          ].filter((line) => line !== null).join('\n') + '\n',
        )
      })
    })

  registerExportCommand(runs)

  runs
    .command('resume <id>')
    .description('continue a stopped or interrupted run from its latest checkpoint')
    .option('--steps <n>', 'new total number of iterations', Number)
    .option('--db <file>', "run database (default: the app's own)")
    .option('--data-dir <dir>', "app data folder holding downloaded datasets (default: the app's own)")
    .action(async (idText: string, flags: { steps?: number; db?: string; dataDir?: string }) => {
      checkEngineSettings()
      const store = openStore(flags.db, { mustExist: true })
      try {
        const session = resumeRun(store, parseId(idText), { steps: flags.steps, dataDir: flags.dataDir })
        const status = await followSession(session, (session.run.config as { steps: number }).steps)
        process.stdout.write(`${session.run.id}\n`)
        process.exitCode = status === 'failed' ? 1 : 0
      } finally {
        store.close()
      }
    })

  const fork = runs
    .command('fork <id>')
    .description('start a new run from a checkpoint of another, with changed settings')
    .option('--from-step <n>', 'checkpoint step to start from (default: the latest; the nearest at or before)', Number)
    .option('--db <file>', "run database (default: the app's own)")
    .option('--data-dir <dir>', "app data folder holding downloaded datasets (default: the app's own)")
  addConfigFlags(fork, false).action(async (idText: string, flags: TrainFlags & { fromStep?: number; dataDir?: string }) => {
    checkEngineSettings()
    const store = openStore(flags.db, { mustExist: true })
    try {
      const session = forkRun(store, parseId(idText), flags.fromStep, configFromFlags(flags), { dataDir: flags.dataDir })
      process.stdout.write(`${session.run.id}\n`)
      const status = await followSession(session, session.run.totalSteps)
      process.exitCode = status === 'failed' ? 1 : 0
    } finally {
      store.close()
    }
  })

  runs
    .command('delete <id>')
    .description('delete a run with its metrics, grids and checkpoints')
    .option('--db <file>', "run database (default: the app's own)")
    .action((idText: string, flags: { db?: string }) => {
      withStore(flags.db, (store) => {
        const run = store.getRun(parseId(idText))
        store.deleteRun(run.id)
        process.stdout.write(`deleted run ${run.id}\n`)
      })
    })
}
