import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { isAllowedSpecifier, listSourceFiles, scanFolder } from './purity-scan'

const root = resolve(import.meta.dirname, '../..')
const engineDir = join(root, 'src/engine')
const engineTsconfig = join(engineDir, 'tsconfig.json')

describe('engine purity', () => {
  it('imports only itself and tfjs', () => {
    expect(listSourceFiles(engineDir).length).toBeGreaterThan(5)
    const findings = scanFolder(engineDir, engineTsconfig, root)
    expect(findings.map((finding) => `${finding.file}:${finding.line} ${finding.problem}`)).toEqual([])
  })

  it('type-checks without DOM or Node types', () => {
    const tsc = join(root, 'node_modules/typescript/bin/tsc')
    const result = spawnSync(process.execPath, [tsc, '--noEmit', '-p', engineTsconfig], { cwd: root, encoding: 'utf8' })
    expect(`${result.stdout}${result.stderr}`).toBe('')
    expect(result.status).toBe(0)
  })
})

describe('purity scanner', () => {
  const fixtureDir = mkdtempSync(join(tmpdir(), 'ganwb-purity-'))
  afterAll(() => rmSync(fixtureDir, { recursive: true, force: true }))

  it('allows relative and tfjs specifiers only', () => {
    expect(isAllowedSpecifier('./tensor')).toBe(true)
    expect(isAllowedSpecifier('../engine')).toBe(true)
    expect(isAllowedSpecifier('@tensorflow/tfjs-core')).toBe(true)
    for (const specifier of ['electron', 'svelte', 'better-sqlite3', 'node:fs', 'fs', 'path', '@types/node', 'tensorflow']) {
      expect(isAllowedSpecifier(specifier), specifier).toBe(false)
    }
  })

  it('flags forbidden imports and DOM globals', () => {
    writeFileSync(join(fixtureDir, 'ok.ts'), "export const ok = 1\n")
    writeFileSync(
      join(fixtureDir, 'bad.ts'),
      [
        "import { readFileSync } from 'fs'",
        "import Database from 'better-sqlite3'",
        "export { ipcRenderer } from 'electron'",
        "import * as tf from '@tensorflow/tfjs-core'",
        "import { ok } from './ok'",
        "export async function load() { return import('node:path') }",
        "export const x = document.title + navigator.userAgent + String(localStorage.length)",
        "export const y = globalThis.window",
        "export const z = (globalThis as Record<string, unknown>)['HTMLElement']",
        // A local name or a property that happens to be called window is not the DOM global.
        "export function pool(size: number) { const window = size * 2; return { window }.window + ok }",
        "export type T = typeof tf | typeof readFileSync | typeof Database",
        '',
      ].join('\n'),
    )
    const config = join(fixtureDir, 'tsconfig.json')
    writeFileSync(config, JSON.stringify({ compilerOptions: { lib: ['ES2023', 'DOM'], types: [], strict: true, skipLibCheck: true } }))

    const problems = scanFolder(fixtureDir, config, fixtureDir).map((finding) => `${finding.file}:${finding.line} ${finding.problem}`)
    expect(problems).toEqual([
      "bad.ts:1 imports 'fs'",
      "bad.ts:2 imports 'better-sqlite3'",
      "bad.ts:3 re-exports from 'electron'",
      "bad.ts:6 dynamically imports 'node:path'",
      "bad.ts:7 uses the DOM global 'document'",
      "bad.ts:7 uses the DOM global 'navigator'",
      "bad.ts:7 uses the DOM global 'localStorage'",
      "bad.ts:8 uses the DOM global 'window'",
      "bad.ts:9 uses the DOM global 'HTMLElement'",
    ])
  })
})
