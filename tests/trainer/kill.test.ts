import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { RunStore } from '../../src/main/store/run-store'
import { resumeRun } from '../../src/main/trainer/host'

const dir = mkdtempSync(join(tmpdir(), 'ganwb-kill-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

describe('killed training process', () => {
  it('SIGKILL leaves a sound database and a resumable run', async () => {
    const db = join(dir, 'runs.sqlite')
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', 'train', '--dataset', 'ring8', '--model', 'mlp', '--steps', '100000',
        '--checkpoint-every', '15', '--sample-every', '10', '--db', db],
      { env: { ...process.env, GANWB_DATA_DIR: dir }, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let output = ''
    child.stdout.on('data', (chunk) => (output += chunk))
    child.stderr.on('data', (chunk) => (output += chunk))
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))

    // Wait until the run has a checkpoint and has trained past it.
    let checkpointStep = 0
    for (let waited = 0; waited < 90_000 && checkpointStep === 0; waited += 250) {
      await sleep(250)
      try {
        const reader = new RunStore(db, { readonly: true })
        const run = reader.listRuns()[0]
        const steps = run ? reader.checkpointSteps(run.id) : []
        if (steps.length > 0 && run.step > steps[0]) checkpointStep = steps[0]
        reader.close()
      } catch {
        // The child may not have created the file yet.
      }
    }
    expect(checkpointStep, `no checkpoint appeared; child output:\n${output}`).toBeGreaterThan(0)
    child.kill('SIGKILL')
    await exited

    const store = new RunStore(db)
    try {
      expect(store.integrityCheck()).toBe('ok')
      const [run] = store.listRuns()
      expect(run.status).toBe('running')
      expect(store.recoverInterrupted()).toEqual([run.id])
      const interrupted = store.getRun(run.id)
      expect(interrupted.status).toBe('interrupted')
      const stored = store.metrics(run.id).map((m) => m.step)
      expect(stored[0]).toBe(1)
      expect(stored[stored.length - 1]).toBe(stored.length) // no gap in what was flushed

      const latest = store.checkpointSteps(run.id).at(-1) as number
      const session = resumeRun(store, run.id, { steps: latest + 5, dataDir: dir })
      const result = await session.finished
      expect(result.status).toBe('completed')
      expect(store.metrics(run.id).map((m) => m.step)).toEqual(Array.from({ length: latest + 5 }, (_, i) => i + 1))
      expect(store.getRun(run.id).status).toBe('completed')
    } finally {
      store.close()
    }
  })
})
