// `npm run cli -- serve` as a user runs it, on a stand-in UI folder and a temporary database.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { isLoopbackHost } from '../../src/cli/serve'
import { projectRoot } from '../project/build-app'
import { useTempDataDir } from './helpers'

const temp = useTempDataDir('ganwb-serve-cli-')
const rendererDir = join(temp.dir, 'renderer')
mkdirSync(rendererDir)
writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>stand-in</title>')
// Loading tsx with --import keeps the CLI in one process, so the test's signal reaches the CLI itself
// rather than the parent process that tsx's own command uses to relay signals.
const tsxLoader = ['--import', 'tsx']
const cli = join(projectRoot, 'src/cli/main.ts')
const started: ChildProcess[] = []

afterEach(() => {
  for (const child of started.splice(0)) if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, 'SIGKILL')
})

afterAll(() => temp.remove())

describe('cli serve', () => {
  it('prints the address and stops on SIGTERM', async () => {
    const db = join(temp.dir, 'other.sqlite')
    const child = spawn(process.execPath, [...tsxLoader, cli, 'serve', '--renderer-dir', rendererDir, '--db', db, '--data-dir', temp.dir], {
      cwd: projectRoot,
      env: { ...process.env, GANWB_DATA_DIR: temp.dir },
    })
    started.push(child)
    let stdout = ''
    let stderr = ''
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
    // 'close' comes after the output streams end, so stderr is complete by then.
    const exit = new Promise<number | null>((resolve) => child.once('close', resolve))
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (chunk: Buffer) => {
        stdout += chunk.toString('utf8')
        if (stdout.endsWith('\n')) resolve()
      })
      child.once('exit', (code) => reject(new Error(`serve exited with ${code}:\n${stderr}`)))
    })
    expect(stdout, stderr).toMatch(/^GAN Workbench is serving at http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{64}\n$/)
    expect(existsSync(db)).toBe(true)

    process.kill(child.pid!, 'SIGTERM')
    expect(await exit, stderr).toBe(0)
    // stderr is a separate pipe, complete only once the process has closed it.
    expect(stderr).toContain('Press Ctrl+C to stop.')
    expect(stderr).not.toContain('warning')
    expect(stderr).toContain('SIGTERM: stopping')
  })

  it('rejects an invalid port', () => {
    const result = spawnSync(process.execPath, [...tsxLoader, cli, 'serve', '--port', '70000', '--renderer-dir', rendererDir], {
      cwd: projectRoot,
      encoding: 'utf8',
      env: { ...process.env, GANWB_DATA_DIR: temp.dir },
    })
    expect(result.status).toBe(1)
    expect(result.stderr).toContain("--port takes an integer from 0 to 65535, got '70000'")
  })

  it('knows loopback hosts', () => {
    for (const host of ['127.0.0.1', '127.0.0.2', 'localhost', '::1']) expect(isLoopbackHost(host), host).toBe(true)
    for (const host of ['0.0.0.0', '::', '192.168.1.5', 'example.com', '128.0.0.1']) expect(isLoopbackHost(host), host).toBe(false)
  })
})
