import { BrowserWindow, session, type WebContents } from 'electron'
import { join } from 'node:path'
import { contentSecurityPolicy } from './csp'

/** Source of the renderer page: the dev server's URL, or the built index.html. */
export type RendererSource = { url: string } | { file: string }

/**
 * Sends the CSP as a response header for pages served over http(s), which is the dev server. Pages
 * loaded from file:// get no headers, so index.html's meta tag carries the policy there.
 */
export function installContentSecurityPolicy(development: boolean): void {
  const policy = contentSecurityPolicy(development ? 'development' : 'production', 'header')
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    if (details.url.startsWith('file:')) {
      callback({})
      return
    }
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [policy] } })
  })
  // The app requests no permission (camera, notifications, ...), so every request is denied.
  session.defaultSession.setPermissionRequestHandler((_webContents, _permission, callback) => callback(false))
}

export function createMainWindow(preloadDir: string, source: RendererSource): BrowserWindow {
  const window = new BrowserWindow({
    width: 1280,
    height: 800,
    minWidth: 800,
    minHeight: 560,
    title: 'GAN Workbench',
    show: false,
    webPreferences: {
      preload: join(preloadDir, 'index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      webviewTag: false,
    },
  })
  window.once('ready-to-show', () => window.show())
  lockNavigation(window.webContents, source)

  if ('url' in source) void window.loadURL(source.url)
  else void window.loadFile(source.file)
  return window
}

// The window shows the app's own page only: every new window and every navigation to another page is
// blocked. Reloads and in-page (hash) navigation do not emit will-navigate, so they still work.
function lockNavigation(contents: WebContents, source: RendererSource): void {
  contents.setWindowOpenHandler(() => ({ action: 'deny' }))
  contents.on('will-navigate', (event, url) => {
    if (!isAppUrl(url, source)) event.preventDefault()
  })
  contents.on('will-attach-webview', (event) => event.preventDefault())
}

/** Checks whether `url` is the app's own page (the dev server's origin, or the built index.html). */
export function isAppUrl(url: string, source: RendererSource): boolean {
  const target = new URL(url)
  if ('url' in source) return target.origin === new URL(source.url).origin
  return target.protocol === 'file:' && decodeURIComponent(target.pathname).endsWith(source.file.replaceAll('\\', '/'))
}
