// Shared setup of the end-to-end tests: Debian's Chromium driven by playwright-core, and the real
// `cli serve` started as a child process on a free port.
import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import { projectRoot } from '../project/build-app'

export const chromiumPath = '/usr/bin/chromium'
export const artifacts = join(projectRoot, 'tests/.artifacts')
export const screenshots = join(projectRoot, 'docs/screenshots')
export const updateScreenshots = process.env.GANWB_UPDATE_SCREENSHOTS === '1'
export const chromiumFlags = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

/**
 * The browser globals the init script uses. It runs in Chromium, but this file is type-checked with
 * Node's libraries, which have no DOM types.
 */
interface BrowserGlobals {
  document: {
    addEventListener(type: 'securitypolicyviolation', listener: (event: { violatedDirective: string; blockedURI: string }) => void): void
  }
  reportCspViolation(text: string): Promise<void>
}

export interface OpenPage {
  page: Page
  problems: string[]
}

/** Starts `serve` on a free port and resolves with its address once it prints it. */
export function startServer(dataDir: string, rendererDir: string): Promise<{ child: ChildProcess; url: string }> {
  const args = ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--port', '0', '--db', join(dataDir, 'runs.sqlite'), '--data-dir', dataDir, '--renderer-dir', rendererDir]
  const child = spawn(process.execPath, args, { cwd: projectRoot, env: { ...process.env, GANWB_DATA_DIR: dataDir }, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve printed no address within 60 s; its output:\n${output}`)), 60_000)
    const read = (chunk: Buffer): void => {
      output += chunk.toString()
      const match = /serving at (http\S+)/.exec(output)
      if (match) {
        clearTimeout(timer)
        resolve({ child, url: match[1] })
      }
    }
    child.stdout?.on('data', read)
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.on('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`serve exited with code ${code} before printing its address; its output:\n${output}`))
    })
  })
}

export async function launch(userDataDir: string, locale: string): Promise<BrowserContext> {
  return chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath,
    headless: true,
    locale,
    viewport: { width: 1440, height: 1000 },
    args: chromiumFlags,
  })
}

/** Opens the app, recording console errors, page errors and CSP violations. */
export async function openApp(context: BrowserContext, url: string): Promise<OpenPage> {
  const page = await context.newPage()
  const problems: string[] = []
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') problems.push(`${message.type()}: ${message.text()}`)
  })
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`))
  await page.exposeFunction('reportCspViolation', (text: string) => problems.push(`CSP: ${text}`))
  await page.addInitScript(() => {
    const browser = globalThis as unknown as BrowserGlobals
    browser.document.addEventListener('securitypolicyviolation', (event) => {
      void browser.reportCspViolation(`${event.violatedDirective} blocked ${event.blockedURI || 'inline code'}`)
    })
  })
  await page.goto(url)
  return { page, problems }
}
