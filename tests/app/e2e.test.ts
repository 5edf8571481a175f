// The app end to end in Debian's Chromium against the real `cli serve`. The test starts the default
// experiment on the built-in digits (made smaller through the form) and watches it train. It pauses,
// changes G's learning rate, resumes, and browses the run on the Runs screen, in English and Chinese.
// Every screen is saved to tests/.artifacts/, and with GANWB_UPDATE_SCREENSHOTS=1 also copied to
// docs/screenshots/.
import type { ChildProcess } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { gridPng } from '../../src/main/images/grid'
import { RunStore } from '../../src/main/store/run-store'
import type { MetricRecord } from '../../src/main/store/types'
import { parseRunConfig } from '../../src/main/trainer/config'
import { buildApp } from '../project/build-app'
import { artifacts, chromiumPath, launch, openApp, screenshots, startServer, updateScreenshots, type OpenPage } from './e2e-helpers'

/** Training on two shared CPU cores is slow, so waits for steps are long. */
const trainingTimeout = 240_000
/** Steps trained before the Live screenshot for the docs, so its grid shows more than noise. */
const docsSteps = 150


/** Steps of the stored run that checks the charts with 100,000 points per series. */
const longRunSteps = 100_000

/**
 * Stores a completed run of `longRunSteps` steps with smooth, noisy curves, a learning-rate change
 * half way and two sample grids, as if it had been trained before.
 */
function seedLongRun(databasePath: string): number {
  const store = new RunStore(databasePath)
  try {
    const config = parseRunConfig({ name: 'long run', steps: longRunSteps, model: { width: 16 } })
    const run = store.createRun({ name: 'long run', config, seed: 0, dataset: 'digits', model: 'dcgan', totalSteps: longRunSteps })
    const rows: MetricRecord[] = []
    for (let step = 1; step <= longRunSteps; step++) {
      const wave = Math.sin(step / 997) * 0.2 + Math.sin(step * 1.7) * 0.15
      rows.push({
        step, dLoss: 0.9 + wave, gLoss: 1.6 - wave, dReal: 0.7 + wave / 4, dFake: 0.3 - wave / 4,
        gradNormG: 4 + wave, gradNormD: 6 - wave, leakNorm: null, lrG: step > 50_000 ? 1e-4 : 2e-4, lrD: 2e-4, seconds: 0.2,
      })
    }
    store.appendMetrics(run.id, rows, { step: longRunSteps, seconds: longRunSteps * 0.2 })
    store.addEvent(run.id, 50_000, 'lr-change', 'learning rates G 0.0002 -> 0.0001, D 0.0002 -> 0.0002', { lrG: [2e-4, 1e-4], lrD: [2e-4, 2e-4] })
    for (const step of [0, longRunSteps]) {
      const images = Float32Array.from({ length: 64 * 28 * 28 }, (_, i) => Math.sin(i * (step + 1)))
      store.addSample({ runId: run.id, step, kind: 'grid', png: Buffer.from(gridPng({ data: images, shape: [64, 1, 28, 28] })) })
    }
    store.setStatus(run.id, 'completed')
    return run.id
  } finally {
    store.close()
  }
}


/** Saves a full-page screenshot; those of real screens (`docs`) also go to docs/screenshots/ when updating. */
async function shoot(page: Page, name: string, options: { docs: boolean } = { docs: true }): Promise<void> {
  await page.screenshot({ path: join(artifacts, name), fullPage: true })
  if (updateScreenshots && options.docs) copyFileSync(join(artifacts, name), join(screenshots, name))
}

const number = async (page: Page, selector: string, attribute: string): Promise<number> =>
  Number((await page.locator(selector).first().getAttribute(attribute)) ?? Number.NaN)

describe('app in Chromium', () => {
  let dataDir: string
  let outDir: string
  let userDirs: string[] = []
  let server: { child: ChildProcess; url: string }
  let english: BrowserContext
  let app: OpenPage
  let runId = 0
  let markerStep = 0
  let longRunId = 0

  beforeAll(async () => {
    if (!existsSync(chromiumPath)) throw new Error(`Chromium not found at ${chromiumPath}; install it with: apt-get install -y chromium`)
    mkdirSync(artifacts, { recursive: true })
    if (updateScreenshots) mkdirSync(screenshots, { recursive: true })
    dataDir = mkdtempSync(join(tmpdir(), 'ganwb-e2e-data-'))
    outDir = mkdtempSync(join(tmpdir(), 'ganwb-e2e-out-'))
    buildApp(outDir)
    longRunId = seedLongRun(join(dataDir, 'runs.sqlite'))
    server = await startServer(dataDir, join(outDir, 'renderer'))
    userDirs = [mkdtempSync(join(tmpdir(), 'ganwb-e2e-chromium-')), mkdtempSync(join(tmpdir(), 'ganwb-e2e-chromium-'))]
    english = await launch(userDirs[0], 'en-US')
    app = await openApp(english, server.url)
  }, 300_000)

  afterAll(async () => {
    await english?.close()
    const child = server?.child
    if (child && child.exitCode === null) {
      const exited = new Promise((done) => child.once('exit', done))
      child.kill('SIGTERM')
      // serve checkpoints live runs before it exits; a stuck one is killed.
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
      await exited
      clearTimeout(timer)
    }
    for (const dir of [dataDir, outDir, ...userDirs]) if (dir) rmSync(dir, { recursive: true, force: true })
  }, 60_000)

  it('starts the default experiment', async () => {
    const { page } = app
    await expect.poll(() => page.getByTestId('dataset-count').textContent(), { timeout: 60_000 }).toBe('10,000')
    await expect.poll(() => page.locator('#field-model-preset').inputValue()).toBe('dcgan')
    expect(await page.locator('#field-optimizerG-lr').inputValue()).toBe('0.0002')
    expect(await page.locator('#field-optimizerG-betas-0').inputValue()).toBe('0.5')
    // Each control explains itself on hover; the screenshot shows one such tooltip.
    await page.locator('[data-field="optimizerG.lr"] .help').hover()
    await expect.poll(() => page.locator('[data-field="optimizerG.lr"] [role=tooltip]').isVisible()).toBe(true)
    expect(await page.locator('[data-field="optimizerG.lr"] [role=tooltip]').textContent()).toContain('DCGAN uses 2e-4')
    await shoot(page, 'new-run.en.png')

    // An invalid value is marked before the run starts and blocks Start.
    await page.fill('#field-optimizerG-lr', '0')
    await expect.poll(() => page.locator('[data-field="optimizerG.lr"] .problem').textContent()).toBe('Must be greater than 0.')
    expect(await page.getByTestId('start-run').isDisabled()).toBe(true)
    await page.fill('#field-optimizerG-lr', '2e-4')

    // A smaller network and batch keep the run quick on a CPU.
    await page.fill('#field-model-width', '16')
    await page.fill('#field-batchSize', '32')
    await page.fill('#field-sampleEvery', '5')
    await page.fill('#field-steps', '5000')
    await page.fill('#field-metricsEvery', '0')
    expect(await page.getByTestId('start-run').isDisabled()).toBe(false)
    await page.getByTestId('start-run').click()

    await page.getByTestId('live-run').waitFor({ timeout: 30_000 })
    runId = Number(await page.getByTestId('live-run').getAttribute('data-run-id'))
    expect(runId).toBeGreaterThan(0)
  }, 120_000)

  it('draws losses and grids live', async () => {
    const { page } = app
    await expect.poll(() => number(page, '[data-testid=loss-chart]', 'data-points'), { timeout: trainingTimeout }).toBeGreaterThanOrEqual(12)
    expect(await number(page, '[data-testid=score-chart]', 'data-points')).toBeGreaterThan(0)
    expect(await number(page, '[data-testid=grad-chart]', 'data-points')).toBeGreaterThan(0)
    // The fixed-noise grid of step 0 is replaced as new samples arrive every 5 steps.
    await expect.poll(() => number(page, '[data-testid=sample-grid]', 'data-step'), { timeout: trainingTimeout }).toBeGreaterThanOrEqual(10)
    expect(await page.getByTestId('run-status').getAttribute('data-status')).toBe('running')
    await expect.poll(() => page.getByTestId('steps-per-second').textContent(), { timeout: 30_000 }).toMatch(/steps\/s$/)
    expect(await page.getByTestId('run-backend').textContent()).toMatch(/^\S+ · (cpu|cuda)( · onnxruntime \S+ \(\d+ threads?\))?$/)
  }, trainingTimeout + 30_000)

  it('pauses, changes lr and resumes', async () => {
    const { page } = app
    await page.getByTestId('pause').click()
    await expect.poll(() => page.getByTestId('run-status').getAttribute('data-status'), { timeout: 60_000 }).toBe('paused')
    const pausedAt = await number(page, '[data-testid=loss-chart]', 'data-points')

    // One step right on the log-scale slider raises the rate by 10^0.05, from 2e-4 to 2.24e-4.
    await page.getByTestId('lr-g').focus()
    await page.keyboard.press('ArrowRight')
    await expect.poll(() => page.getByTestId('lr-g-value').textContent()).toBe('2.24e-4')
    await expect.poll(() => page.locator('[data-testid=loss-chart]').getAttribute('data-markers'), { timeout: 30_000 }).toMatch(/^\d+$/)
    markerStep = Number(await page.locator('[data-testid=loss-chart]').getAttribute('data-markers'))
    expect(markerStep).toBeGreaterThan(0)
    await expect.poll(() => page.locator('[data-testid=event-log] [data-kind=lr-change]').count()).toBe(1)

    await page.getByTestId('resume').click()
    await expect.poll(() => page.getByTestId('run-status').getAttribute('data-status'), { timeout: 60_000 }).toBe('running')
    const targetPoints = Math.max(pausedAt + 10, updateScreenshots ? docsSteps : 0)
    await expect.poll(() => number(page, '[data-testid=loss-chart]', 'data-points'), { timeout: trainingTimeout }).toBeGreaterThan(targetPoints)
    // The new rate reaches the training: the slider now follows the metrics' lrG.
    expect(await page.getByTestId('lr-g-value').textContent()).toBe('2.24e-4')
    await shoot(page, 'live.en.png')
  }, trainingTimeout + 60_000)

  it('browses the run on the Runs screen', async () => {
    const { page } = app
    await page.getByTestId('nav-runs').click()
    const row = page.locator(`[data-testid=runs-table] tr[data-run-id="${runId}"]`)
    await row.waitFor()
    // G's rate was raised during training. Once a step trained at the new rate is in the list, the row
    // shows where the rate started and where it is now; the list may have been read before that step.
    expect(await row.textContent()).toMatch(/lr G 2e-4( → 2\.24e-4)? · lr D 2e-4 · D:G 1:1/)
    await shoot(page, 'runs.en.png')

    await row.getByTestId('open-run').click()
    await page.getByTestId('run-detail').waitFor()
    await expect.poll(() => number(page, '[data-testid=loss-chart]', 'data-points'), { timeout: 30_000 }).toBeGreaterThan(0)
    expect(await page.locator('[data-testid=loss-chart]').getAttribute('data-markers')).toContain(String(markerStep))

    // Grids are stored every 5 steps. Home moves the slider to the first one (step 0), and two
    // steps right ask for step 2, whose nearest stored grid is still step 0.
    const slider = page.getByTestId('sample-slider')
    await slider.focus()
    await page.keyboard.press('Home')
    await page.keyboard.press('ArrowRight')
    await page.keyboard.press('ArrowRight')
    await expect.poll(() => page.getByTestId('sample-showing').textContent(), { timeout: 30_000 }).toBe('Showing the stored sample of step 0 (nearest to 2).')
    await expect.poll(() => number(page, '[data-testid=sample-grid]', 'data-step')).toBe(0)
    for (let i = 0; i < 2; i++) await page.keyboard.press('ArrowRight')
    await expect.poll(() => page.getByTestId('sample-showing').textContent(), { timeout: 30_000 }).toBe('Showing the stored sample of step 5 (nearest to 4).')
    await expect.poll(() => number(page, '[data-testid=sample-grid]', 'data-step')).toBe(5)
    await shoot(page, 'run.en.png')
  }, 120_000)

  it('charts 100,000 steps per series', async () => {
    const { page } = app
    await page.getByTestId('nav-runs').click()
    await page.locator(`[data-testid=runs-table] tr[data-run-id="${longRunId}"]`).getByTestId('open-run').click()
    await page.getByTestId('run-detail').waitFor()
    for (const chart of ['loss-chart', 'score-chart', 'grad-chart']) {
      await expect.poll(() => number(page, `[data-testid=${chart}]`, 'data-points'), { timeout: 60_000 }).toBe(longRunSteps)
    }
    expect(await page.locator('[data-testid=loss-chart]').getAttribute('data-markers')).toBe('50000')

    // A new smoothing weight and a log scale redraw all 100,000 points, and the page must stay responsive.
    await page.getByTestId('smoothing').fill('0.95')
    await page.getByTestId('log-scale').check()
    await expect.poll(() => page.getByTestId('log-scale').isChecked()).toBe(true)
    await page.getByTestId('log-scale').uncheck()
    await expect.poll(() => page.getByTestId('sample-step').textContent()).toBe(`Step ${longRunSteps}`)
    // The curves are synthetic, so this shot stays out of the docs.
    await shoot(page, 'run-long.en.png', { docs: false })
    await page.getByTestId('back-to-runs').click()
  }, 120_000)

  it('shows every screen in Chinese', async () => {
    const chinese = await launch(userDirs[1], 'zh-CN')
    try {
      const { page, problems } = await openApp(chinese, server.url)
      // The run still trains, so the app opens on its Live screen.
      await page.getByTestId('live-run').waitFor({ timeout: 30_000 })
      await expect.poll(() => page.getByTestId('nav-new').textContent()).toContain('新建训练')
      expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN')
      await expect.poll(() => number(page, '[data-testid=loss-chart]', 'data-points'), { timeout: 30_000 }).toBeGreaterThan(0)
      await expect.poll(() => page.getByTestId('sample-grid').count(), { timeout: 30_000 }).toBe(1)
      await shoot(page, 'live.zh-CN.png')

      await page.getByTestId('nav-new').click()
      await expect.poll(() => page.getByTestId('dataset-count').textContent(), { timeout: 30_000 }).toBe('10,000')
      expect(await page.getByTestId('start-run').textContent()).toContain('开始')
      await shoot(page, 'new-run.zh-CN.png')

      await page.getByTestId('nav-runs').click()
      const row = page.locator(`[data-testid=runs-table] tr[data-run-id="${runId}"]`)
      await row.waitFor()
      expect(await row.textContent()).toContain('G 学习率 2e-4')
      await shoot(page, 'runs.zh-CN.png')
      await row.getByTestId('open-run').click()
      await page.getByTestId('run-detail').waitFor()
      await expect.poll(() => number(page, '[data-testid=loss-chart]', 'data-points'), { timeout: 30_000 }).toBeGreaterThan(0)
      await page.getByTestId('sample-slider').focus()
      await page.keyboard.press('Home')
      await expect.poll(() => page.getByTestId('sample-showing').textContent(), { timeout: 30_000 }).toBe('显示第 0 次迭代保存的样本（最接近 0）。')
      await shoot(page, 'run.zh-CN.png')
      expect(problems).toEqual([])
    } finally {
      await chinese.close()
    }
  }, 120_000)

  it('remembers the chosen language', async () => {
    const { page } = app
    await page.getByTestId('language').selectOption('zh-CN')
    const navText = async (): Promise<string | undefined> => (await page.getByTestId('nav-runs').textContent())?.trim()
    await expect.poll(navText).toBe('训练记录')
    await page.reload()
    await expect.poll(navText, { timeout: 30_000 }).toBe('训练记录')
    await page.getByTestId('language').selectOption('en')
    await expect.poll(navText).toBe('Runs')
  }, 60_000)

  it('stops and deletes the run', async () => {
    const { page } = app
    await page.getByTestId('nav-live').click()
    await page.getByTestId('stop').click()
    await expect.poll(() => page.getByTestId('run-status').getAttribute('data-status'), { timeout: 60_000 }).toBe('stopped')

    await page.getByTestId('nav-runs').click()
    const row = page.locator(`[data-testid=runs-table] tr[data-run-id="${runId}"]`)
    await expect.poll(() => row.getByTestId('resume-run').count(), { timeout: 30_000 }).toBe(1)

    // Cancel keeps the run; confirming deletes it.
    await row.getByTestId('delete-run').click()
    await page.getByTestId('cancel').click()
    expect(await row.count()).toBe(1)
    await row.getByTestId('delete-run').click()
    await page.getByTestId('confirm').click()
    await expect.poll(() => row.count(), { timeout: 30_000 }).toBe(0)
    expect(app.problems).toEqual([])
  }, 120_000)
})
