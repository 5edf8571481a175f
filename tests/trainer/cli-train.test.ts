// `cli train` as a user types it: automatic settings, and bad values rejected before a run is stored.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { RunStore } from '../../src/main/store/run-store'

const dir = mkdtempSync(join(tmpdir(), 'ganwb-cli-train-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function train(args: string[], env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const db = join(dir, 'runs.sqlite')
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'train', '--db', db, '--data-dir', dir, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 120_000,
  })
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}

describe('cli train', () => {
  it('stores automatic settings as numbers', () => {
    const result = train(['--dataset', 'ring8', '--model', 'mlp', '--width', '16', '--steps', '20', '--batch', 'auto', '--sample-every', 'auto', '--metrics-every', '0'])
    expect(result.status, result.stderr).toBe(0)
    // Not a terminal: each progress message on its own line.
    expect(result.stderr).toMatch(/^measuring the speed at batch size 16 \(0%\)$/m)
    expect(result.stderr).toMatch(/^run \d+: 100000 points, backend wasm \(cpu · onnxruntime /m)
    const id = Number(result.stdout.trim())
    const store = new RunStore(join(dir, 'runs.sqlite'))
    try {
      const config = store.getRun(id).config as { batchSize: number; sampleEvery: number }
      expect([16, 32, 64, 128, 256]).toContain(config.batchSize)
      expect(config.sampleEvery).toBeGreaterThan(0)
      expect(store.events(id).map((event) => event.kind)).toContain('pace')
    } finally {
      store.close()
    }
  })

  it.each([
    [['--batch', '-3'], /--batch: must be 0 \(auto\) or more \(got -3\)/],
    [['--sample-every', '0.5'], /--sample-every: must be a whole number of iterations, or 0 \(auto\)/],
    [['--batch', 'lots'], /expected a whole number or auto/],
  ])('rejects %j', (args, message) => {
    const result = train(['--dataset', 'ring8', '--model', 'mlp', '--steps', '5', ...args])
    expect(result.status).toBe(1)
    expect(result.stderr).toMatch(message)
  })

  it('reports a mistyped database path', () => {
    const db = join(dir, 'typo.sqlite')
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'runs', 'list', '--db', db], { encoding: 'utf8' })
    expect(result.status).toBe(1)
    expect(result.stderr).toContain(`no run database at ${db}; check the --db path`)
    expect(existsSync(db)).toBe(false)
  })

  it('rejects bad engine settings before storing a run', () => {
    const db = join(dir, 'untouched.sqlite')
    for (const [name, value, message] of [
      ['GANWB_KERNELS', 'bogus', /unknown kernel choice 'bogus' \(from GANWB_KERNELS\)/],
      ['GANWB_THREADS', 'zero', /GANWB_THREADS must be a whole number of at least 1, got 'zero'/],
      ['GANWB_BACKEND', 'bogus', /unknown backend 'bogus' \(from GANWB_BACKEND\); choose one of tfjs-node-gpu, tfjs-node, wasm, cpu or auto/],
    ] as const) {
      const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'train', '--db', db, '--dataset', 'ring8', '--steps', '5'], {
        encoding: 'utf8',
        env: { ...process.env, [name]: value },
      })
      expect(result.status).toBe(1)
      expect(result.stderr).toMatch(message)
    }
    expect(existsSync(db)).toBe(false)
  })
})
