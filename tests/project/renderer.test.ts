// Loads the built renderer in Debian's Chromium, with window.workbench standing in for the preload
// (Electron cannot run here). Its functions have the preload's shape and call a real AppService in
// this process, as the preload calls main over IPC.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { extname, join, normalize } from 'node:path'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AppService } from '../../src/main/app/service'
import { memoryLogger } from '../../src/main/app/log'
import { engineInfo } from '../../src/main/engine-info'
import { RunStore } from '../../src/main/store/run-store'
import type { EngineInfo } from '../../src/preload/api'
import { channels } from '../../src/preload/channels'
import { buildApp, projectRoot } from './build-app'

const chromiumPath = '/usr/bin/chromium'
const artifacts = join(projectRoot, 'tests/.artifacts')
const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.wasm': 'application/wasm',
}

/** Serves `folder` on 127.0.0.1 at a free port, with no CSP header so only the meta tag applies. */
async function serveFolder(folder: string): Promise<{ server: Server; url: string }> {
  const server = createServer((request, response) => {
    const path = normalize(decodeURIComponent(new URL(request.url ?? '/', 'http://127.0.0.1').pathname))
    const file = join(folder, path === '/' ? 'index.html' : path)
    if (!file.startsWith(folder) || !existsSync(file)) {
      response.writeHead(404).end()
      return
    }
    response.writeHead(200, { 'Content-Type': contentTypes[extname(file)] ?? 'application/octet-stream' })
    response.end(readFileSync(file))
  })
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` }
}

/**
 * The browser globals the page scripts below use. Those functions run in Chromium, but this file is
 * type-checked with Node's libraries, which have no DOM types.
 */
interface BrowserGlobals {
  document: {
    addEventListener(type: 'securitypolicyviolation', listener: (event: { violatedDirective: string; blockedURI: string }) => void): void
    createElement(tag: 'script'): { textContent: string | null }
    head: { append(node: unknown): void }
  }
  reportCspViolation(text: string): Promise<void>
  workbenchRequest(channel: string, payload: unknown): Promise<unknown>
  inlineScriptRan?: boolean
}

interface PageProblems {
  console: string[]
  violations: string[]
}

/** Opens the app with `window.workbench` calling `service`, recording console errors and CSP violations. */
async function openApp(context: BrowserContext, url: string, service: AppService): Promise<{ page: Page; problems: PageProblems }> {
  const page = await context.newPage()
  const problems: PageProblems = { console: [], violations: [] }
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') problems.console.push(`${message.type()}: ${message.text()}`)
  })
  page.on('pageerror', (error) => problems.console.push(`page error: ${error.message}`))
  await page.exposeFunction('reportCspViolation', (text: string) => problems.violations.push(text))
  await page.exposeFunction('workbenchRequest', (channel: string, payload: unknown) => service.handle(channel, payload))
  await page.addInitScript((channelNames: string[]) => {
    const browser = globalThis as unknown as BrowserGlobals
    browser.document.addEventListener('securitypolicyviolation', (event) => {
      void browser.reportCspViolation(`${event.violatedDirective} blocked ${event.blockedURI || 'inline code'}`)
    })
    // The preload's shape: workbench.<group>.<name>(payload) resolving to the channel's Reply.
    const groups: Record<string, Record<string, (payload?: unknown) => Promise<unknown>>> = {}
    for (const channel of channelNames) {
      const [group, name] = channel.split('.')
      groups[group] ??= {}
      groups[group][name] = (payload) => browser.workbenchRequest(channel, payload ?? {})
    }
    Object.defineProperty(browser, 'workbench', { value: Object.freeze({ ...groups, onEvent: () => () => undefined }) })
  }, [...channels])
  await page.goto(url)
  return { page, problems }
}

describe('renderer in Chromium', () => {
  let outDir: string
  let userDataDir: string
  let server: Server
  let url: string
  let context: BrowserContext
  let realInfo: EngineInfo
  let dataDir: string
  let store: RunStore
  /** Reports the real engine of this process. */
  let service: AppService
  /** Reports that no backend started. */
  let failingService: AppService

  beforeAll(async () => {
    if (!existsSync(chromiumPath)) throw new Error(`Chromium not found at ${chromiumPath}; install it with: apt-get install -y chromium`)
    outDir = mkdtempSync(join(tmpdir(), 'ganwb-renderer-out-'))
    userDataDir = mkdtempSync(join(tmpdir(), 'ganwb-chromium-'))
    dataDir = mkdtempSync(join(tmpdir(), 'ganwb-renderer-data-'))
    process.env.GANWB_DATA_DIR = dataDir
    store = new RunStore(join(dataDir, 'runs.sqlite'))
    const common = { store, dataDir, databasePath: store.file, transport: 'electron', version: '0.1.0', log: memoryLogger() } as const
    service = new AppService(common)
    failingService = new AppService({ ...common, engineInfo: async () => ({ ok: false, error: 'no tensor backend could start' }) })
    buildApp(outDir)
    ;({ server, url } = await serveFolder(join(outDir, 'renderer')))
    realInfo = await engineInfo()
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: chromiumPath,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    })
  })

  afterAll(async () => {
    await context?.close()
    await new Promise((done) => server?.close(done))
    await service?.dispose()
    await failingService?.dispose()
    store?.close()
    for (const dir of [outDir, userDataDir, dataDir]) if (dir) rmSync(dir, { recursive: true, force: true })
  })

  it('shows the app name and backend', async () => {
    expect(realInfo.ok, JSON.stringify(realInfo)).toBe(true)
    const { page, problems } = await openApp(context, url, service)

    await expect.poll(() => page.locator('h1').textContent()).toBe('GAN Workbench')
    const backend = page.getByTestId('app-backend')
    await expect.poll(async () => (await backend.textContent())?.trim()).toMatch(/^Backend \S+ on (cpu|cuda)( · onnxruntime \S+ \(\d+ threads?\))?$/)
    if (realInfo.ok) expect(await backend.textContent()).toContain(realInfo.backend)

    mkdirSync(artifacts, { recursive: true })
    await page.screenshot({ path: join(artifacts, 'renderer.png') })
    expect(problems.console).toEqual([])
    expect(problems.violations).toEqual([])
    await page.close()
  })

  it('shows why no backend started', async () => {
    const { page, problems } = await openApp(context, url, failingService)
    const backend = page.getByTestId('app-backend')
    await expect.poll(async () => (await backend.textContent())?.trim()).toBe('no tensor backend could start')
    expect(problems.console).toEqual([])
    await page.close()
  })

  it('CSP blocks inline script', async () => {
    const { page, problems } = await openApp(context, url, service)
    await expect.poll(() => page.locator('h1').textContent()).toBe('GAN Workbench')
    const ran = await page.evaluate(() => {
      const browser = globalThis as unknown as BrowserGlobals
      const script = browser.document.createElement('script')
      script.textContent = 'window.inlineScriptRan = true'
      browser.document.head.append(script)
      return browser.inlineScriptRan === true
    })
    expect(ran).toBe(false)
    await expect.poll(() => problems.violations).toContainEqual(expect.stringMatching(/^script-src(-elem)? blocked inline/))
    await page.close()
  })
})
