// The Electron main process: one window, a strict CSP, the run database, and the AppService behind
// window.workbench. Requests arrive on one IPC channel and events leave on another.
import { app, BrowserWindow, dialog, ipcMain, Menu, type IpcMainInvokeEvent, type OpenDialogOptions } from 'electron'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Channel, Reply } from '../shared/contract'
import { eventIpcChannel, requestIpcChannel } from '../preload/channels'
import { AppService } from './app/service'
import { stderrLogger } from './app/log'
import { appMenuTemplate } from './menu'
import { sqliteNativeBinding } from './native'
import { appDataDir } from './paths'
import { defaultDatabasePath } from './store/location'
import { RunStore } from './store/run-store'
import { createMainWindow, installContentSecurityPolicy, isAppUrl, type RendererSource } from './window'

// The bundle is out/main/index.js, next to out/preload and out/renderer.
const outDir = dirname(dirname(fileURLToPath(import.meta.url)))
// `electron-vite dev` sets ELECTRON_RENDERER_URL to its dev server; a built app loads the file.
const devServerUrl = app.isPackaged ? undefined : process.env.ELECTRON_RENDERER_URL
const development = devServerUrl !== undefined
const rendererSource: RendererSource = devServerUrl
  ? { url: devServerUrl }
  : { file: join(outDir, 'renderer', 'index.html') }

/**
 * Opens the run database with the better-sqlite3 build for Electron's ABI. When that build is missing
 * or does not load, a native dialog shows the reason and the command that fixes it, and the caller quits.
 */
function openStore(): RunStore | null {
  try {
    return new RunStore(defaultDatabasePath(), { nativeBinding: sqliteNativeBinding(app.getAppPath()) })
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    stderrLogger.error(`cannot open the run database: ${message}`)
    dialog.showErrorBox('GAN Workbench cannot open its run database', message)
    return null
  }
}

async function chooseDataset(kind: 'folder' | 'file'): Promise<string | null> {
  const options: OpenDialogOptions = {
    title: kind === 'folder' ? 'Open dataset folder' : 'Open dataset file',
    properties: [kind === 'folder' ? 'openDirectory' : 'openFile'],
  }
  const window = BrowserWindow.getFocusedWindow() ?? BrowserWindow.getAllWindows()[0]
  const result = window ? await dialog.showOpenDialog(window, options) : await dialog.showOpenDialog(options)
  return result.canceled ? null : (result.filePaths[0] ?? null)
}

/** Handles requests from the app's own page and rejects those from any other frame. */
function handleRequests(service: AppService): void {
  ipcMain.handle(requestIpcChannel, (event: IpcMainInvokeEvent, ...args: unknown[]): Promise<Reply<Channel>> => {
    const senderUrl = event.senderFrame?.url ?? '(no frame)'
    if (!event.senderFrame || !isAppUrl(senderUrl, rendererSource)) {
      throw new Error(`IPC request rejected: it came from ${senderUrl}, not from the app's page`)
    }
    if (args.length > 2) {
      const message = `IPC request rejected: expected (channel, payload), got ${args.length} arguments`
      return Promise.resolve({ ok: false, error: { code: 'INVALID_REQUEST', message } })
    }
    return service.handle(args[0], args[1])
  })
  service.subscribe((backendEvent) => {
    for (const window of BrowserWindow.getAllWindows()) {
      if (!window.isDestroyed()) window.webContents.send(eventIpcChannel, backendEvent)
    }
  })
}

function openWindow(): void {
  createMainWindow(join(outDir, 'preload'), rendererSource)
}

let service: AppService | null = null
let store: RunStore | null = null
let stopping: Promise<void> | null = null
let shutDown = false

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
    store = openStore()
    if (!store) {
      shutDown = true
      app.quit()
      return
    }
    const running = new AppService({
      store,
      dataDir: appDataDir(),
      databasePath: store.file,
      transport: 'electron',
      version: app.getVersion(),
      chooser: chooseDataset,
    })
    service = running
    installContentSecurityPolicy(development)
    const menu = appMenuTemplate(process.platform, development, {
      openDataset: (kind) => {
        chooseDataset(kind)
          .then((path) => path && running.emit({ type: 'app.dataset-chosen', kind, path }))
          .catch((error: unknown) => stderrLogger.error(`the open dialog failed: ${(error as Error).message}`))
      },
      navigate: (view) => running.emit({ type: 'app.navigate', view }),
    })
    Menu.setApplicationMenu(Menu.buildFromTemplate(menu))
    handleRequests(running)
    openWindow()

    // macOS keeps the app running with no window; clicking the dock icon opens one again.
    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) openWindow()
    })
  })

  // Live runs stop after their current iteration and save a checkpoint before the app exits.
  app.on('before-quit', (event) => {
    if (shutDown || !service) return
    event.preventDefault()
    // A second quit while runs are stopping waits for the same shutdown.
    stopping ??= service.dispose().finally(() => {
      store?.close()
      shutDown = true
      app.quit()
    })
  })

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit()
  })
}
