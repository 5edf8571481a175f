import { execFile } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { REMOTE_SOURCES } from '../../src/main/datasets/catalog'
import { FASHION_DIR, gzipWithName, imagesIdx, tempDir, writeIdxFolder } from '../datasets/helpers'
import { TestServer } from '../datasets/server'

const run = promisify(execFile)
const TSX = join(process.cwd(), 'node_modules', '.bin', 'tsx')
const MAIN = join(process.cwd(), 'src', 'cli', 'main.ts')

interface CliResult {
  code: number
  stdout: string
  stderr: string
}

/** Runs the command line with a temporary data folder, returning its exit code and output. */
async function cli(args: string[], dataDir = tempDir()): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, GANWB_DATA_DIR: dataDir }
  delete env.GANWB_DOWNLOAD_BASE_URL
  try {
    const { stdout, stderr } = await run(TSX, [MAIN, ...args], { env, maxBuffer: 16 << 20 })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string }
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr }
  }
}

const server = new TestServer()
beforeAll(() => server.start())
afterAll(() => server.stop())

describe('datasets command line', () => {
  it('inspect --json prints the summary', async () => {
    const folder = tempDir()
    writeIdxFolder(folder, { train: [1, 1, 2], test: [0], gzip: true })
    const result = await cli(['datasets', 'inspect', folder, '--json'])
    expect(result.code, result.stderr).toBe(0)
    const summary = JSON.parse(result.stdout)
    expect(summary.count).toBe(3)
    expect(summary.shape).toEqual([1, 28, 28])
    expect(summary.classes[1].count).toBe(2)
  })

  it('inspect prints a readable summary', async () => {
    const result = await cli(['datasets', 'inspect', 'ring8'])
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toContain('8 Gaussians, std 0.02')
    expect(result.stdout).toContain('100,000 points')
  })

  it('inspect of a bad file fails with the reason', async () => {
    const folder = tempDir()
    const file = join(folder, 'train-images-idx3-ubyte')
    writeFileSync(file, gzipWithName(imagesIdx(1), 'train-images-idx3-ubyte'))
    const result = await cli(['datasets', 'inspect', file])
    expect(result.code).toBe(1)
    expect(result.stdout).toBe('')
    expect(result.stderr).toContain('error [BAD_MAGIC]')
    expect(result.stderr).toContain(file)
    expect(result.stderr).toContain('found 529205256')
  })

  it('inspect --json reports errors as JSON', async () => {
    const result = await cli(['datasets', 'inspect', 'digits', '--size', '30', '--json'])
    expect(result.code).toBe(1)
    const { error } = JSON.parse(result.stdout)
    expect(error.code).toBe('INVALID_OPTION')
    expect(error.message).toContain('--size must be one of 28, 32, 64')
  })

  it('list --json includes built-in sets', async () => {
    const result = await cli(['datasets', 'list', '--json'])
    expect(result.code, result.stderr).toBe(0)
    const names = JSON.parse(result.stdout).map((entry: { name: string }) => entry.name)
    expect(names).toEqual(expect.arrayContaining(['digits', 'ring8', 'grid25', 'spiral', 'moons', 'gaussian', 'mnist', 'cifar10']))
  })

  it('list prints a table', async () => {
    const result = await cli(['datasets', 'list'])
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toMatch(/^name\s+origin\s+kind/)
    expect(result.stdout).toMatch(/mnist\s+downloadable/)
  })

  it('download of an unknown set fails', async () => {
    const result = await cli(['datasets', 'download', 'imagenet'])
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('error [NOT_FOUND]')
  })

  it.skipIf(!existsSync(FASHION_DIR))('download shows progress and lands in the data folder', async () => {
    for (const file of REMOTE_SOURCES['fashion-mnist'].files) {
      server.serve(`/mirror/fashion-mnist/${file.name}`, readFileSync(join(FASHION_DIR, file.name)))
    }
    const dataDir = tempDir()
    const result = await cli(['datasets', 'download', 'fashion-mnist', '--base-url', `${server.url}/mirror`], dataDir)
    expect(result.code, result.stderr).toBe(0)
    expect(result.stderr).toContain('Downloading train-images-idx3-ubyte.gz')
    expect(result.stdout).toContain(`fashion-mnist is ready in ${join(dataDir, 'datasets', 'fashion-mnist')}`)

    const listed = await cli(['datasets', 'list', '--json'], dataDir)
    const entry = JSON.parse(listed.stdout).find((item: { name: string; origin: string }) => item.name === 'fashion-mnist' && item.origin === 'downloaded')
    expect(entry?.path).toBe(join(dataDir, 'datasets', 'fashion-mnist'))
  })
})
