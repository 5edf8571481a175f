// A page served by the browser transport and opened in Debian's Chromium: the token moves into an
// HttpOnly cookie, and the page's CSP (the built index.html's meta tag plus the served header) lets
// it reach the WebSocket. The page is a stand-in with the same meta tag, so this test does not
// depend on the renderer building.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { chromium, type BrowserContext } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { contentSecurityPolicy } from '../../src/main/csp'
import type { AppService } from '../../src/main/app/service'
import { startServer, type RunningServer } from '../../src/main/serve/server'
import type { RunStore } from '../../src/main/store/run-store'
import { createService, useTempDataDir } from './helpers'

const chromiumPath = '/usr/bin/chromium'
const temp = useTempDataDir('ganwb-serve-chromium-')
let service: AppService
let store: RunStore
let server: RunningServer
let context: BrowserContext

/** Browser globals used inside page.evaluate; this file is type-checked without DOM types. */
interface PageGlobals {
  location: { host: string; href: string; search: string }
  document: { cookie: string; addEventListener(type: 'securitypolicyviolation', listener: (event: { violatedDirective: string }) => void): void }
  WebSocket: new (url: string) => {
    onopen: (() => void) | null
    onmessage: ((event: { data: string }) => void) | null
    onerror: (() => void) | null
    send(data: string): void
    close(): void
  }
}

beforeAll(async () => {
  if (!existsSync(chromiumPath)) throw new Error(`Chromium not found at ${chromiumPath}; install it with: apt-get install -y chromium`)
  const rendererDir = join(temp.dir, 'renderer')
  mkdirSync(rendererDir)
  const meta = `<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy('production', 'meta')}">`
  writeFileSync(join(rendererDir, 'index.html'), `<!doctype html><html><head>${meta}<link rel="icon" href="data:,"></head><body>stand-in</body></html>`)
  ;({ service, store } = createService(temp.dir))
  server = await startServer({ port: 0, service, rendererDir, log: { info() {}, warn() {}, error() {} } })
  context = await chromium.launchPersistentContext(join(temp.dir, 'chromium'), {
    executablePath: chromiumPath,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  })
})

afterAll(async () => {
  await context?.close()
  await server?.close()
  await service?.dispose()
  store?.close()
  temp.remove()
})

describe('served app in Chromium', () => {
  it('reaches the backend over the WebSocket', async () => {
    const page = await context.newPage()
    const violations: string[] = []
    await page.exposeFunction('reportViolation', (text: string) => violations.push(text))
    await page.addInitScript(() => {
      const browser = globalThis as unknown as PageGlobals & { reportViolation(text: string): void }
      browser.document.addEventListener('securitypolicyviolation', (event) => browser.reportViolation(event.violatedDirective))
    })
    await page.goto(server.url)
    // The token left the address for an HttpOnly cookie that page scripts cannot read.
    expect(page.url()).toBe(`http://127.0.0.1:${server.port}/`)
    const pageState = await page.evaluate(() => (globalThis as unknown as PageGlobals).document.cookie)
    expect(pageState).not.toContain(server.token)

    const reply = await page.evaluate(
      () =>
        new Promise<string>((resolve, reject) => {
          const browser = globalThis as unknown as PageGlobals
          const socket = new browser.WebSocket(`ws://${browser.location.host}/ws`)
          socket.onopen = () => socket.send(JSON.stringify({ id: 1, channel: 'app.info', payload: {} }))
          socket.onmessage = (event) => {
            const message = JSON.parse(event.data) as { id?: number }
            if (message.id !== 1) return
            socket.close()
            resolve(event.data)
          }
          socket.onerror = () => reject(new Error('the WebSocket failed to connect'))
        }),
    )
    expect(JSON.parse(reply)).toMatchObject({ id: 1, ok: true, result: { transport: 'browser', version: '0.0.0-test' } })
    expect(violations).toEqual([])
    await page.close()
  })
})
