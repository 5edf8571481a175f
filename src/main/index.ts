// The Electron main process: one window, a strict CSP, and the IPC handlers behind window.workbench.
import { app, BrowserWindow, ipcMain, Menu } from 'electron'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { IpcChannel, IpcContract } from '../preload/api'
import { engineInfo } from './engine-info'
import { appMenuTemplate } from './menu'
import { createMainWindow, installContentSecurityPolicy, isAppUrl, type RendererSource } from './window'

// The bundle is out/main/index.js, next to out/preload and out/renderer.
const outDir = dirname(dirname(fileURLToPath(import.meta.url)))
// `electron-vite dev` sets ELECTRON_RENDERER_URL to its dev server; a built app loads the file.
const devServerUrl = app.isPackaged ? undefined : process.env.ELECTRON_RENDERER_URL
const development = devServerUrl !== undefined
const rendererSource: RendererSource = devServerUrl
  ? { url: devServerUrl }
  : { file: join(outDir, 'renderer', 'index.html') }

type Result<C extends IpcChannel> = IpcContract[C]['result'] | Promise<IpcContract[C]['result']>

/**
 * Registers a handler for a channel that takes no arguments, accepting calls from the app's page only.
 * TODO: channels with arguments need a schema check of each argument here, on arrival.
 */
function handle<C extends IpcChannel>(channel: C, handler: () => Result<C>): void {
  ipcMain.handle(channel, (event, ...args: unknown[]) => {
    const senderUrl = event.senderFrame?.url ?? '(no frame)'
    if (!event.senderFrame || !isAppUrl(senderUrl, rendererSource)) {
      throw new Error(`IPC call on '${channel}' rejected: it came from ${senderUrl}, not from the app's page`)
    }
    if (args.length !== 0) {
      throw new Error(`IPC call on '${channel}' rejected: it takes no arguments, but got ${args.length}`)
    }
    return handler()
  })
}

function openWindow(): void {
  createMainWindow(join(outDir, 'preload'), rendererSource)
}

// A second instance would open the same run database, so it focuses the first window instead.
if (!app.requestSingleInstanceLock()) {
  app.quit()
} else {
  app.enableSandbox()
  app.on('second-instance', () => {
    const window = BrowserWindow.getAllWindows()[0]
    if (!window) return
    if (window.isMinimized()) window.restore()
    window.focus()
  })

  void app.whenReady().then(() => {
    installContentSecurityPolicy(development)
    Menu.setApplicationMenu(Menu.buildFromTemplate(appMenuTemplate(process.platform, development)))
    handle('workbench:version', () => app.getVersion())
    handle('workbench:engine-info', () => engineInfo())
    openWindow()

    // macOS keeps the app running with no window; clicking the dock icon opens one again.
    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) openWindow()
    })
  })

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit()
  })
}
