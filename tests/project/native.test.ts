import { spawnSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import {
  NativeModuleError,
  electronBindingFileName,
  electronNativeFolder,
  explainNativeLoadError,
  loadNativeModule,
  sqliteNativeBinding,
} from '../../src/main/native'
import { projectRoot } from './build-app'

const nodeBinding = join(projectRoot, 'node_modules/better-sqlite3/build/Release', electronBindingFileName)
const temporary: string[] = []

/** Creates an app folder whose native/electron/ contains `binding` (or nothing), with better-sqlite3's package.json. */
function appFolder(binding?: string, buildInfo?: object): string {
  const root = mkdtempSync(join(tmpdir(), 'ganwb-native-test-'))
  temporary.push(root)
  mkdirSync(join(root, 'node_modules/better-sqlite3'), { recursive: true })
  copyFileSync(join(projectRoot, 'node_modules/better-sqlite3/package.json'), join(root, 'node_modules/better-sqlite3/package.json'))
  if (binding) {
    mkdirSync(join(root, electronNativeFolder), { recursive: true })
    copyFileSync(binding, join(root, electronNativeFolder, electronBindingFileName))
  }
  if (buildInfo) writeFileSync(join(root, electronNativeFolder, 'build-info.json'), JSON.stringify(buildInfo))
  return root
}

function caught(run: () => unknown): NativeModuleError {
  try {
    run()
  } catch (error) {
    if (error instanceof NativeModuleError) return error
    throw error
  }
  throw new Error('expected a NativeModuleError, but nothing was thrown')
}

afterEach(() => {
  for (const folder of temporary.splice(0)) rmSync(folder, { recursive: true, force: true })
})

describe('sqliteNativeBinding', () => {
  it('uses the package build under Node', () => {
    expect(sqliteNativeBinding(appFolder(), undefined)).toBeUndefined()
  })

  it('reports a missing Electron build', () => {
    const root = appFolder()
    const error = caught(() => sqliteNativeBinding(root, '45.6.1'))
    expect(error.code).toBe('NATIVE_MISSING')
    expect(error.message).toContain(join(root, electronNativeFolder, electronBindingFileName))
    expect(error.message).toContain('npm run rebuild:electron')
  })

  it('returns a binding that loads', () => {
    // Under Node the Node build replaces an Electron build, because both load through the same code.
    const root = appFolder(nodeBinding)
    const binding = sqliteNativeBinding(root, '45.6.1')
    expect(binding).toBe(join(root, electronNativeFolder, electronBindingFileName))
    const db = new Database(':memory:', { nativeBinding: binding })
    expect(db.prepare('select 1 + 1 as two').get()).toEqual({ two: 2 })
    db.close()
  })

  it('reports a stale build', () => {
    const root = appFolder(nodeBinding, { electron: '45.6.1', abi: '140', betterSqlite3: '11.0.0', method: 'node-gyp' })
    const error = caught(() => sqliteNativeBinding(root, '45.6.1'))
    expect(error.code).toBe('NATIVE_STALE')
    expect(error.message).toMatch(/version 11\.0\.0, but version \d+\.\d+\.\d+ is installed/)
    expect(error.message).toContain('npm run rebuild:electron')
  })

  it('reports a file that is no module', () => {
    const root = appFolder()
    const file = join(root, 'broken.node')
    writeFileSync(file, 'not a shared library')
    const error = caught(() => loadNativeModule(file))
    expect(error.code).toBe('NATIVE_LOAD_FAILED')
    expect(error.message).toContain(file)
    expect(error.message).toContain('npm run rebuild:electron')
  })
})

describe('explainNativeLoadError', () => {
  it('names both ABI versions', () => {
    // Node's message when a module built for one ABI is loaded by another runtime.
    const loaderError = new Error(
      "The module '/app/native/electron/better_sqlite3.node'\nwas compiled against a different Node.js version using\n" +
        'NODE_MODULE_VERSION 115. This version of Node.js requires\nNODE_MODULE_VERSION 140. Please try re-compiling or re-installing\n' +
        'the module (for instance, using `npm rebuild` or `npm install`).',
    )
    const error = explainNativeLoadError(loaderError, '/app/native/electron/better_sqlite3.node')
    expect(error.code).toBe('NATIVE_ABI_MISMATCH')
    expect(error.message).toContain('built for NODE_MODULE_VERSION 115')
    expect(error.message).toContain('requires NODE_MODULE_VERSION 140')
    expect(error.message).toContain('npm run rebuild:electron')
  })
})

describe('rebuild-native script', () => {
  it('skips offline in one line', () => {
    const target = mkdtempSync(join(tmpdir(), 'ganwb-native-out-'))
    temporary.push(target)
    const result = spawnSync(process.execPath, [join(projectRoot, 'scripts/rebuild-native.mjs')], {
      cwd: projectRoot,
      encoding: 'utf8',
      env: { ...process.env, GANWB_NATIVE_DIR: target },
      timeout: 600_000,
    })
    expect(result.status).toBe(0)
    const lines = result.stdout.trim().split('\n')
    expect(lines).toHaveLength(1)
    if (existsSync(join(target, electronBindingFileName))) {
      // A machine with internet access builds the module instead.
      expect(lines[0]).toMatch(/^rebuild-native: built better-sqlite3 /)
    } else {
      expect(lines[0]).toMatch(/^rebuild-native: skipped the Electron build of better-sqlite3: .+npm run rebuild:electron/)
    }
  })

  it('fails when forced and skipped', () => {
    const result = spawnSync(process.execPath, [join(projectRoot, 'scripts/rebuild-native.mjs'), '--force'], {
      cwd: projectRoot,
      encoding: 'utf8',
      env: { ...process.env, GANWB_SKIP_ELECTRON_REBUILD: '1' },
    })
    expect(result.stdout).toContain('GANWB_SKIP_ELECTRON_REBUILD=1')
    expect(result.status).toBe(1)
  })
})
