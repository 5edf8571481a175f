// The Compare screen end to end in Debian's Chromium against the real `cli serve`. Two small DCGANs
// are trained on the built-in digits with `cli train` first (40 steps, a grid every 10), and the test
// ticks both in the Runs list, compares them, moves the shared step slider and reads which stored grid
// each run shows. It also checks the list's filter, sort and hiding. Screenshots go to
// tests/.artifacts/, and with GANWB_UPDATE_SCREENSHOTS=1 also to docs/screenshots/.
import { spawnSync, type ChildProcess } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp, projectRoot } from '../project/build-app'
import { artifacts, chromiumPath, launch, openApp, screenshots, startServer, updateScreenshots } from './e2e-helpers'


/** Trains one small DCGAN with `cli train` and returns its run id. */
function train(dataDir: string, flags: string[]): number {
  const args = [
    '--import', 'tsx', 'src/cli/main.ts', 'train', '--db', join(dataDir, 'runs.sqlite'), '--data-dir', dataDir,
    '--width', '8', '--latent-dim', '16', '--batch', '16', '--steps', '40', '--sample-every', '10',
    '--checkpoint-every', '20', '--metrics-every', '0', ...flags,
  ]
  const result = spawnSync(process.execPath, args, { cwd: projectRoot, env: { ...process.env, GANWB_DATA_DIR: dataDir }, encoding: 'utf8', timeout: 240_000 })
  if (result.status !== 0) throw new Error(`cli train ${flags.join(' ')} failed (exit ${result.status ?? result.signal}):\n${result.stdout}\n${result.stderr}`)
  return Number(result.stdout.trim().split('\n')[0])
}




async function shoot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(artifacts, name), fullPage: true })
  if (updateScreenshots) copyFileSync(join(artifacts, name), join(screenshots, name))
}

/** The stored grid step each compared run shows, by run id. */
async function gridSteps(page: Page): Promise<Record<string, string | null>> {
  const figures = page.getByTestId('compare-grid')
  const steps: Record<string, string | null> = {}
  for (let i = 0; i < (await figures.count()); i++) {
    const figure = figures.nth(i)
    steps[(await figure.getAttribute('data-run-id')) ?? '?'] = await figure.getAttribute('data-step')
  }
  return steps
}

async function openCompare(page: Page, runIds: number[]): Promise<void> {
  await page.getByTestId('nav-runs').click()
  for (const runId of runIds) {
    await page.locator(`[data-testid=runs-table] tr[data-run-id="${runId}"]`).getByTestId('pick-run').check()
  }
  await page.getByTestId('compare-runs').click()
  await page.getByTestId('compare').waitFor()
}

describe('compare screen in Chromium', () => {
  let dataDir: string
  let outDir: string
  const userDirs: string[] = []
  let server: { child: ChildProcess; url: string }
  let english: BrowserContext
  let app: { page: Page; problems: string[] }
  let first = 0
  let second = 0

  beforeAll(async () => {
    if (!existsSync(chromiumPath)) throw new Error(`Chromium not found at ${chromiumPath}; install it with: apt-get install -y chromium`)
    mkdirSync(artifacts, { recursive: true })
    if (updateScreenshots) mkdirSync(screenshots, { recursive: true })
    dataDir = mkdtempSync(join(tmpdir(), 'ganwb-compare-data-'))
    outDir = mkdtempSync(join(tmpdir(), 'ganwb-compare-out-'))
    buildApp(outDir)
    first = train(dataDir, ['--name', 'baseline', '--lr-g', '0.0002'])
    second = train(dataDir, ['--name', 'slow G hinge', '--lr-g', '0.0001', '--loss', 'hinge'])
    server = await startServer(dataDir, join(outDir, 'renderer'))
    userDirs.push(mkdtempSync(join(tmpdir(), 'ganwb-compare-chromium-')), mkdtempSync(join(tmpdir(), 'ganwb-compare-chromium-')))
    english = await launch(userDirs[0], 'en-US')
    app = await openApp(english, server.url)
  }, 600_000)

  afterAll(async () => {
    await english?.close()
    const child = server?.child
    if (child && child.exitCode === null) {
      const exited = new Promise((done) => child.once('exit', done))
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
      await exited
      clearTimeout(timer)
    }
    for (const dir of [dataDir, outDir, ...userDirs]) if (dir) rmSync(dir, { recursive: true, force: true })
  }, 60_000)

  it('compares two runs', async () => {
    const { page } = app
    await openCompare(page, [first, second])

    for (const chart of ['compare-d-loss', 'compare-g-loss']) {
      // Two runs of 40 steps, each drawn raw and smoothed.
      await expect.poll(() => page.getByTestId(chart).getAttribute('data-points'), { timeout: 30_000 }).toBe('40')
    }
    const diff = page.getByTestId('settings-diff')
    await expect.poll(() => diff.locator('tbody tr').count()).toBeGreaterThan(0)
    const keys = await diff.locator('tbody tr').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-key')))
    expect(keys).toEqual(['loss', 'name', 'optimizerG.lr'])
    expect(await diff.locator('tr[data-key="optimizerG.lr"] td').allTextContents()).toEqual(['0.0002', '0.0001'])
    await page.getByTestId('settings-show-all').check()
    await expect.poll(() => diff.locator('tr[data-key="batchSize"]').count()).toBe(1)
    await page.getByTestId('settings-show-all').uncheck()

    // Grids are stored at steps 0, 10, 20, 30 and 40; the screen opens on the last.
    await expect.poll(() => gridSteps(page), { timeout: 30_000 }).toEqual({ [first]: '40', [second]: '40' })
    await shoot(page, 'compare.en.png')
  }, 120_000)

  it('moves every grid with the slider', async () => {
    const { page } = app
    const slider = page.getByTestId('compare-slider')
    await slider.focus()
    await page.keyboard.press('Home')
    await expect.poll(() => gridSteps(page)).toEqual({ [first]: '0', [second]: '0' })
    for (let i = 0; i < 4; i++) await page.keyboard.press('ArrowRight')
    expect(await page.getByTestId('compare-step-value').textContent()).toBe('4')
    await expect.poll(() => gridSteps(page)).toEqual({ [first]: '0', [second]: '0' })
    for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowRight')
    await expect.poll(() => gridSteps(page)).toEqual({ [first]: '10', [second]: '10' })
    expect(await page.getByTestId('compare-grid-step').first().textContent()).toContain('grid of step 10 (nearest to 7)')
    // The chosen step is marked on the loss charts.
    expect(await page.getByTestId('compare-d-loss').getAttribute('data-markers')).toBe('7')

    // A click near the right end of a loss chart picks a late step.
    const box = await page.getByTestId('compare-d-loss').boundingBox()
    if (!box) throw new Error('the D loss chart has no box on the page')
    await page.mouse.click(box.x + box.width - 12, box.y + box.height / 2)
    await expect.poll(async () => Number(await page.getByTestId('compare-step-value').textContent())).toBeGreaterThan(30)
    await expect.poll(() => gridSteps(page)).toEqual({ [first]: '40', [second]: '40' })
  }, 60_000)

  it('flips and subtracts two grids', async () => {
    const { page } = app
    await page.getByTestId('view-flip').click()
    const flip = page.getByTestId('compare-flip')
    expect(await flip.getAttribute('data-run-id')).toBe(String(first))
    await flip.click()
    await expect.poll(() => flip.getAttribute('data-run-id')).toBe(String(second))
    await page.keyboard.press('Space')
    await expect.poll(() => flip.getAttribute('data-run-id')).toBe(String(first))

    await page.getByTestId('view-diff').click()
    await expect.poll(() => page.getByTestId('compare-diff').getAttribute('data-ready'), { timeout: 30_000 }).toBe('true')
    // Two differently trained generators give different grids, so some pixel differs.
    const brightest = await page.getByTestId('compare-diff').evaluate((canvas) => {
      const element = canvas as unknown as { width: number; height: number; getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } }
      const data = element.getContext('2d').getImageData(0, 0, element.width, element.height).data
      let most = 0
      for (let i = 0; i < data.length; i += 4) most = Math.max(most, data[i], data[i + 1], data[i + 2])
      return most
    })
    expect(brightest).toBeGreaterThan(0)
    await page.getByTestId('view-side').click()
  }, 60_000)

  it('filters, sorts and hides runs', async () => {
    const { page } = app
    await page.getByTestId('nav-runs').click()
    const rows = page.locator('[data-testid=runs-table] tbody tr')
    await expect.poll(() => rows.count()).toBe(2)
    await page.getByTestId('run-filter').fill('hinge')
    await expect.poll(() => rows.count()).toBe(1)
    expect(await rows.first().getAttribute('data-run-id')).toBe(String(second))
    await page.getByTestId('run-filter').fill('')

    await page.getByTestId('sort-key').selectOption('lrG')
    await expect.poll(() => rows.first().getAttribute('data-run-id')).toBe(String(first))
    await page.getByTestId('sort-direction').click()
    await expect.poll(() => rows.first().getAttribute('data-run-id')).toBe(String(second))

    await page.locator(`tr[data-run-id="${second}"]`).getByTestId('hide-run').click()
    await expect.poll(() => rows.count()).toBe(1)
    await page.getByTestId('show-hidden').check()
    await expect.poll(() => rows.count()).toBe(2)
    await page.locator(`tr[data-run-id="${second}"]`).getByTestId('hide-run').click()
    await page.getByTestId('show-hidden').uncheck()
    await expect.poll(() => rows.count()).toBe(2)
    expect(app.problems).toEqual([])
  }, 60_000)

  it('forks a run from a checkpoint', async () => {
    const { page } = app
    await page.getByTestId('nav-runs').click()
    await page.locator(`[data-testid=runs-table] tr[data-run-id="${first}"]`).getByTestId('open-run').click()

    // The latest grid (step 40) downloads as a PNG.
    const download = page.waitForEvent('download')
    await page.getByTestId('export-run').click()
    expect((await download).suggestedFilename()).toBe(`run-${first}-png-grid.png`)
    await expect.poll(() => page.getByTestId('export-message').textContent()).toBe(`Downloaded run-${first}-png-grid.png.`)
    await page.getByTestId('fork-run').click()
    const dialog = page.getByTestId('fork-dialog')
    await expect.poll(() => dialog.getByTestId('fork-checkpoint').inputValue(), { timeout: 30_000 }).toBe('40')
    await dialog.getByTestId('fork-checkpoint').selectOption('20')
    expect(await dialog.getByTestId('fork-optimizerG.lr').inputValue()).toBe('0.0002')

    // An invalid rate is marked and nothing starts.
    await dialog.getByTestId('fork-optimizerG.lr').fill('0')
    await dialog.getByTestId('fork-start').click()
    await expect.poll(() => dialog.locator('[data-field="optimizerG.lr"] .problem').textContent()).toBe('Must be greater than 0.')
    await dialog.getByTestId('fork-optimizerG.lr').fill('5e-5')
    await dialog.getByTestId('fork-steps').fill('60')
    await dialog.getByTestId('fork-name').fill('fork at 20')
    await dialog.getByTestId('fork-start').click()

    await page.getByTestId('live-run').waitFor({ timeout: 30_000 })
    const forked = Number(await page.getByTestId('live-run').getAttribute('data-run-id'))
    expect(forked).toBeGreaterThan(second)
    await expect.poll(() => page.getByTestId('run-status').getAttribute('data-status'), { timeout: 120_000 }).toBe('completed')

    await page.getByTestId('nav-runs').click()
    const row = page.locator(`[data-testid=runs-table] tr[data-run-id="${forked}"]`)
    await expect.poll(() => row.textContent(), { timeout: 30_000 }).toContain(`forked from run ${first} at step 20`)
    await row.getByTestId('pick-run').check()
    for (const other of [first, second]) {
      const box = page.locator(`[data-testid=runs-table] tr[data-run-id="${other}"]`).getByTestId('pick-run')
      if (await box.isChecked()) await box.uncheck()
    }
    await page.locator(`[data-testid=runs-table] tr[data-run-id="${first}"]`).getByTestId('pick-run').check()
    await page.getByTestId('compare-runs').click()
    await page.getByTestId('compare').waitFor()
    // The fork's curve starts with its parent's 20 steps and runs on to step 60.
    await expect.poll(() => page.getByTestId('compare-d-loss').getAttribute('data-points'), { timeout: 30_000 }).toBe('60')
    const keys = await page.getByTestId('settings-diff').locator('tbody tr').evaluateAll((rows) => rows.map((entry) => entry.getAttribute('data-key')))
    expect(keys).toEqual(['name', 'optimizerG.lr', 'steps'])
    expect(app.problems).toEqual([])
  }, 240_000)

  it('charts sample quality of a run', async () => {
    const toy = train(dataDir, ['--name', 'ring with metrics', '--dataset', 'ring8', '--model', 'mlp', '--metrics-every', '20'])
    const { page } = app
    // A fresh page load lists the new run and drops the filters the tests above set.
    await page.reload()
    await page.getByTestId('nav-runs').click()
    await page.locator(`[data-testid=runs-table] tr[data-run-id="${toy}"]`).getByTestId('open-run').click()
    // Evaluations ran at steps 20 and 40, so each quality chart has two points.
    const modes = page.getByTestId('quality-chart-modesCovered')
    await expect.poll(() => modes.getAttribute('data-points'), { timeout: 30_000 }).toBe('2')
    expect(await page.getByTestId('quality-chart-highQualityShare').getAttribute('data-points')).toBe('2')
    expect(app.problems).toEqual([])
  }, 240_000)

  it('shows the compare screen in Chinese', async () => {
    const chinese = await launch(userDirs[1], 'zh-CN')
    try {
      const { page, problems } = await openApp(chinese, server.url)
      await openCompare(page, [first, second])
      await expect.poll(() => page.getByTestId('nav-compare').textContent()).toContain('对比')
      await expect.poll(() => gridSteps(page), { timeout: 30_000 }).toEqual({ [first]: '40', [second]: '40' })
      expect(await page.getByTestId('compare-grid-step').first().textContent()).toContain('第 40 次迭代的网格')
      await shoot(page, 'compare.zh-CN.png')
      expect(problems).toEqual([])
    } finally {
      await chinese.close()
    }
  }, 120_000)
})
