// The built app's main process: the trainer worker is emitted beside the main bundle, where
// src/main/trainer/host.ts looks for it, and every package the bundles import resolves.
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { WorkerMessage } from '../../src/main/trainer/protocol'
import { parseRunConfig } from '../../src/main/trainer/config'
import { buildApp, projectRoot } from '../project/build-app'
import { toyConfig, useTempDataDir } from './helpers'

const temp = useTempDataDir('ganwb-worker-bundle-')
let outDir: string

beforeAll(() => {
  // Inside the project, so the bundles' bare imports find node_modules as they do in out/.
  mkdirSync(join(projectRoot, 'tmp'), { recursive: true })
  outDir = mkdtempSync(join(projectRoot, 'tmp', 'build-'))
  buildApp(outDir)
})

afterAll(() => {
  if (outDir) rmSync(outDir, { recursive: true, force: true })
  temp.remove()
})

const mainFiles = (): string[] =>
  readdirSync(join(outDir, 'main'), { recursive: true, encoding: 'utf8' }).filter((name) => name.endsWith('.js'))

describe('main bundle', () => {
  it('emits the worker beside index.js', () => {
    expect(mainFiles()).toContain('trainer-worker.js')
    // host.ts is bundled into index.js itself, so its import.meta.url is out/main/index.js.
    expect(readFileSync(join(outDir, 'main', 'index.js'), 'utf8')).toContain('new URL("./trainer-worker.js", self)')
  })

  it('resolves every imported package', () => {
    const specifiers = new Set<string>()
    for (const name of mainFiles()) {
      const code = readFileSync(join(outDir, 'main', name), 'utf8')
      for (const match of code.matchAll(/^import\s[^'"]*?from\s+"([^".][^"]*)";?$/gm)) specifiers.add(match[1])
    }
    specifiers.delete('electron')
    expect(specifiers).toContain('better-sqlite3')
    expect(specifiers).toContain('zod')
    const bare = [...specifiers].filter((specifier) => !specifier.startsWith('node:'))
    // Resolved from a module inside out/main, as the bundles resolve them.
    const probe = join(outDir, 'main', 'resolve-probe.mjs')
    writeFileSync(probe, `for (const s of ${JSON.stringify(bare)}) { try { import.meta.resolve(s) } catch (e) { console.log(s + ': ' + e.message) } }\n`)
    const result = spawnSync(process.execPath, [probe], { encoding: 'utf8' })
    expect(result.stderr).toBe('')
    expect(result.stdout).toBe('')
  })

  it('trains in the bundled worker', async () => {
    const worker = new Worker(join(outDir, 'main', 'trainer-worker.js'))
    const messages: WorkerMessage[] = []
    const done = new Promise<Extract<WorkerMessage, { type: 'done' }>>((resolve, reject) => {
      worker.on('message', (message: WorkerMessage) => {
        messages.push(message)
        if (message.type === 'done') resolve(message)
      })
      worker.on('error', reject)
    })
    const config = parseRunConfig({ ...toyConfig, steps: 5 })
    worker.postMessage({ type: 'start', runId: 1, config, checkpoint: null, applySettings: true, emitIntervalMs: 20, dataDir: temp.dir })
    try {
      const result = await done
      expect(result.error).toBeUndefined()
      expect(result).toMatchObject({ status: 'completed', step: 5 })
      expect(messages.map((message) => message.type)).toContain('ready')
      expect(messages.map((message) => message.type)).toContain('checkpoint')
    } finally {
      await worker.terminate()
    }
  })
})
