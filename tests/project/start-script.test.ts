import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { projectRoot } from './build-app'

/** Checks whether the electron package can provide its binary here (it cannot on machines without one). */
function electronBinaryPresent(): boolean {
  const check = spawnSync(process.execPath, ['-e', "require('electron')"], { cwd: projectRoot, encoding: 'utf8' })
  return check.status === 0
}

let dataDir: string
let rendererDir: string
const started: ChildProcess[] = []

beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'ganwb-start-'))
  // A stand-in for the built UI, so the script serves at once instead of building the app.
  rendererDir = join(dataDir, 'renderer')
  mkdirSync(rendererDir)
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>stand-in</title><p>start script page</p>')
})

afterEach(() => {
  // A failed test may leave its server running; end it by its pid.
  for (const child of started.splice(0)) if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, 'SIGKILL')
})

afterAll(() => rmSync(dataDir, { recursive: true, force: true }))

interface Started {
  child: ChildProcess
  output: () => string
  /** The address the browser version printed. */
  url: Promise<string>
  exit: Promise<number | null>
}

function runStart(env: NodeJS.ProcessEnv): Started {
  const child = spawn(process.execPath, [join(projectRoot, 'scripts/start.mjs'), '--renderer-dir', rendererDir, '--port', '0'], {
    cwd: projectRoot,
    env: { ...env, GANWB_DATA_DIR: dataDir },
  })
  started.push(child)
  let output = ''
  const url = new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      output += chunk.toString('utf8')
      const match = /GAN Workbench is serving at (http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{64})\n/.exec(output)
      if (match) resolve(match[1])
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', onData)
    child.once('exit', (code) => reject(new Error(`npm start exited with ${code} before serving:\n${output}`)))
  })
  // 'close' comes after the output streams end, so the output is complete by then.
  const exit = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)))
  return { child, output: () => output, url, exit }
}

function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; cookie: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      let body = ''
      res.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, cookie: res.headers['set-cookie']?.[0] }))
    })
    req.on('error', reject)
    req.end()
  })
}

/** Opens the printed address as a browser would, then stops the script by its pid. */
async function checkServesAndStops(run: Started): Promise<void> {
  const url = await run.url
  const first = await get(url)
  expect(first.status).toBe(303)
  const cookie = first.cookie?.split(';')[0] ?? ''
  const page = await get(new URL('/', url).href, { Cookie: cookie })
  expect(page.status).toBe(200)
  expect(page.body).toContain('start script page')

  process.kill(run.child.pid!, 'SIGTERM')
  expect(await run.exit, run.output()).toBe(0)
  await expect(get(new URL('/', url).href)).rejects.toThrow(/ECONNREFUSED/)
}

const fallbackLine = 'Starting the browser version instead: the same UI, served on 127.0.0.1 (Ctrl+C stops it).'

describe('npm start', () => {
  it.skipIf(electronBinaryPresent())('serves the browser version without a binary', async () => {
    const run = runStart({ ...process.env, DISPLAY: ':99' })
    await checkServesAndStops(run)
    // The output is complete once the script has exited.
    expect(run.output()).toContain(
      `GAN Workbench cannot open its window: the Electron binary is not installed and could not be downloaded ` +
        `(require('electron') threw "Electron failed to install correctly").`,
    )
    expect(run.output()).toContain(fallbackLine)
  })

  it.runIf(process.platform === 'linux')('serves the browser version without a display', async () => {
    const env = { ...process.env }
    delete env.DISPLAY
    delete env.WAYLAND_DISPLAY
    const run = runStart(env)
    await checkServesAndStops(run)
    expect(run.output()).toContain('no display is available (neither DISPLAY nor WAYLAND_DISPLAY is set)')
    expect(run.output()).toContain(fallbackLine)
  })

  it('runs the same script as package.json', () => {
    const pkg = createRequire(import.meta.url)(join(projectRoot, 'package.json')) as { scripts: Record<string, string> }
    expect(pkg.scripts.start).toBe('node scripts/start.mjs')
    expect(pkg.scripts['rebuild:electron']).toBe('node scripts/rebuild-native.mjs --force')
    expect(pkg.scripts.postinstall).toBe('node scripts/rebuild-native.mjs')
  })
})
