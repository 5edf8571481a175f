import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { projectRoot } from './build-app'

/** Checks whether the electron package can provide its binary here (it cannot on machines without one). */
function electronBinaryPresent(): boolean {
  const check = spawnSync(process.execPath, ['-e', "require('electron')"], { cwd: projectRoot, encoding: 'utf8' })
  return check.status === 0
}

function runStart(env: NodeJS.ProcessEnv): { status: number | null; output: string } {
  const result = spawnSync(process.execPath, [join(projectRoot, 'scripts/start.mjs')], {
    cwd: projectRoot,
    encoding: 'utf8',
    env,
    timeout: 120_000,
  })
  return { status: result.status, output: `${result.stdout}${result.stderr}` }
}

const serveLine = 'The browser version serves the same UI on 127.0.0.1: run `npm run cli -- serve`.'

describe('npm start', () => {
  it.skipIf(electronBinaryPresent())('explains a missing binary', () => {
    const { status, output } = runStart({ ...process.env, DISPLAY: ':99' })
    expect(status).toBe(1)
    expect(output).toContain(
      `GAN Workbench cannot open its window: the Electron binary is not installed and could not be downloaded ` +
        `(require('electron') threw "Electron failed to install correctly").`,
    )
    expect(output).toContain(serveLine)
    expect(output.trim().split('\n')).toHaveLength(2)
  })

  it.runIf(process.platform === 'linux')('explains a missing display', () => {
    const env = { ...process.env }
    delete env.DISPLAY
    delete env.WAYLAND_DISPLAY
    const { status, output } = runStart(env)
    expect(status).toBe(1)
    expect(output).toContain('no display is available (neither DISPLAY nor WAYLAND_DISPLAY is set)')
    expect(output).toContain(serveLine)
  })

  it('runs the same script as package.json', () => {
    const pkg = createRequire(import.meta.url)(join(projectRoot, 'package.json')) as { scripts: Record<string, string> }
    expect(pkg.scripts.start).toBe('node scripts/start.mjs')
    expect(pkg.scripts['rebuild:electron']).toBe('node scripts/rebuild-native.mjs --force')
    expect(pkg.scripts.postinstall).toBe('node scripts/rebuild-native.mjs')
  })
})
