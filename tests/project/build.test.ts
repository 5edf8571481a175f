import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Script, createContext } from 'node:vm'
import { beforeAll, describe, expect, it } from 'vitest'
import { contentSecurityPolicy } from '../../src/main/csp'
import { buildApp, projectRoot } from './build-app'

const out = join(projectRoot, 'out')
const read = (path: string): string => readFileSync(join(out, path), 'utf8')

describe('electron-vite build', () => {
  beforeAll(() => buildApp())

  it('writes main, preload and renderer', () => {
    expect(existsSync(join(out, 'main/index.js'))).toBe(true)
    expect(existsSync(join(out, 'main/trainer-worker.js'))).toBe(true)
    expect(existsSync(join(out, 'preload/index.cjs'))).toBe(true)
    expect(existsSync(join(out, 'renderer/index.html'))).toBe(true)
  })

  it('matches package.json main', () => {
    const pkg = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { main: string }
    expect(existsSync(join(projectRoot, pkg.main))).toBe(true)
  })

  it('builds the preload as CommonJS', () => {
    const code = read('preload/index.cjs')
    // A classic script cannot contain import or export statements, so this compiles only for CommonJS.
    expect(() => new Script(code, { filename: 'preload/index.cjs' })).not.toThrow()
    expect(code).toContain('require("electron")')
  })

  it('preload exposes only the named API', async () => {
    // Electron is not installed here, so the preload runs against a recording stand-in for the
    // electron APIs it uses.
    const exposed: Record<string, unknown> = {}
    const invoked: unknown[][] = []
    const listeners = new Map<string, Set<(...args: unknown[]) => void>>()
    const ipcRenderer = {
      invoke: async (...args: unknown[]) => {
        invoked.push(args)
        return { ok: true, result: { version: '9.9.9', backend: null, backendError: 'no backend here' } }
      },
      on: (channel: string, listener: (...args: unknown[]) => void) => {
        if (!listeners.has(channel)) listeners.set(channel, new Set())
        listeners.get(channel)!.add(listener)
      },
      removeListener: (channel: string, listener: (...args: unknown[]) => void) => listeners.get(channel)?.delete(listener),
    }
    const electron = { contextBridge: { exposeInMainWorld: (key: string, api: unknown) => (exposed[key] = api) }, ipcRenderer }
    const requireStub = (name: string): unknown => {
      if (name !== 'electron') throw new Error(`the preload required '${name}', which a sandboxed preload cannot load`)
      return electron
    }
    new Script(read('preload/index.cjs')).runInContext(createContext({ require: requireStub, module: { exports: {} } }))

    expect(Object.keys(exposed)).toEqual(['workbench'])
    const api = exposed.workbench as Record<string, unknown>
    expect(Object.keys(api).sort()).toEqual(['app', 'config', 'datasets', 'engineInfo', 'onEvent', 'runs', 'training', 'version'])
    const runs = api.runs as Record<string, (payload?: unknown) => Promise<unknown>>
    expect(Object.keys(runs).sort()).toEqual(['delete', 'export', 'get', 'list', 'metrics', 'sample', 'update'])
    const everyValue = (value: unknown): unknown[] =>
      typeof value === 'object' && value !== null ? Object.values(value).flatMap(everyValue) : [value]
    expect(everyValue(api).some((value) => value === ipcRenderer || value === ipcRenderer.invoke)).toBe(false)

    await runs.get({ runId: 3 })
    await runs.list()
    expect(await (api.version as () => Promise<string>)()).toBe('9.9.9')
    expect(await (api.engineInfo as () => Promise<unknown>)()).toEqual({ ok: false, error: 'no backend here' })
    expect(invoked).toEqual([
      ['workbench:request', 'runs.get', { runId: 3 }],
      ['workbench:request', 'runs.list', {}],
      ['workbench:request', 'app.info', {}],
      ['workbench:request', 'app.info', {}],
    ])

    const received: unknown[] = []
    const unsubscribe = (api.onEvent as (listener: (event: unknown) => void) => () => void)((event) => received.push(event))
    for (const listener of listeners.get('workbench:event') ?? []) listener({ sender: null }, { type: 'app.navigate', view: 'runs' })
    expect(received).toEqual([{ type: 'app.navigate', view: 'runs' }])
    unsubscribe()
    expect(listeners.get('workbench:event')?.size).toBe(0)
  })

  it('keeps the window sandboxed', () => {
    const main = read('main/index.js')
    const options = main.match(/new BrowserWindow\(\{[\s\S]*?webPreferences: \{([\s\S]*?)\}/)?.[1]
    expect(options, 'new BrowserWindow({ webPreferences }) in out/main/index.js').toBeDefined()
    expect(options).toMatch(/contextIsolation: true/)
    expect(options).toMatch(/sandbox: true/)
    expect(options).toMatch(/nodeIntegration: false/)
    expect(options).toMatch(/webSecurity: true/)
    expect(main).toMatch(/setWindowOpenHandler\(\(\) => \(\{ action: "deny" \}\)\)/)
    expect(main).toMatch(/"will-navigate"/)
    expect(main).toMatch(/app\.enableSandbox\(\)/)
  })

  it('leaves dependencies external in main', () => {
    // The main bundle, the trainer worker and the chunks they share.
    const files = readdirSync(join(out, 'main'), { recursive: true, encoding: 'utf8' }).filter((name) => name.endsWith('.js'))
    const code = files.map((name) => read(join('main', name))).join('\n')
    expect(code).toMatch(/^import \* as tf from "@tensorflow\/tfjs-core";$/m)
    // Bundled tfjs would carry its package banner; externals leave only the import.
    expect(code).not.toMatch(/@license Copyright \d+ Google LLC/)
  })

  it('puts the CSP meta in index.html', () => {
    const html = read('renderer/index.html')
    const meta = html.match(/<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]*)"/)?.[1]
    expect(meta).toBe(contentSecurityPolicy('production', 'meta'))
  })

  it('has no inline scripts', () => {
    const html = read('renderer/index.html')
    const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map((match) => match[0])
    expect(scripts.length).toBeGreaterThan(0)
    for (const tag of scripts) expect(tag).toMatch(/\bsrc="\.\/assets\/[^"]+\.js"/)
  })
})
