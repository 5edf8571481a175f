import type { MenuItemConstructorOptions } from 'electron'

/** Handlers of the app's own menu items, supplied by main so that the template needs no Electron import. */
export interface MenuActions {
  openDataset(kind: 'folder' | 'file'): void
  navigate(view: 'runs' | 'new-run'): void
}

/**
 * Returns the application menu as a template for Menu.buildFromTemplate. It is built from roles and
 * the given actions, so it needs no Electron import here and stays testable under plain Node.
 * Developer tools appear only in development builds.
 */
export function appMenuTemplate(platform: NodeJS.Platform, development: boolean, actions: MenuActions): MenuItemConstructorOptions[] {
  const file: MenuItemConstructorOptions[] = [
    { label: 'Open Dataset Folder…', accelerator: 'CmdOrCtrl+O', click: () => actions.openDataset('folder') },
    { label: 'Open Dataset File…', accelerator: 'CmdOrCtrl+Shift+O', click: () => actions.openDataset('file') },
    { type: 'separator' },
    // macOS closes the window from File and quits from the app menu.
    platform === 'darwin' ? { role: 'close' } : { role: 'quit' },
  ]
  const view: MenuItemConstructorOptions[] = [
    { label: 'Runs', accelerator: 'CmdOrCtrl+1', click: () => actions.navigate('runs') },
    { label: 'New Run', accelerator: 'CmdOrCtrl+N', click: () => actions.navigate('new-run') },
    { type: 'separator' },
    { role: 'reload' },
    ...(development ? [{ role: 'toggleDevTools' } as const] : []),
    { type: 'separator' },
    { role: 'resetZoom' },
    { role: 'zoomIn' },
    { role: 'zoomOut' },
    { type: 'separator' },
    { role: 'togglefullscreen' },
  ]
  const template: MenuItemConstructorOptions[] = [
    { label: 'File', submenu: file },
    { role: 'editMenu' },
    { label: 'View', submenu: view },
    { role: 'windowMenu' },
  ]
  // macOS puts About, Hide and Quit in a menu named after the app, first in the bar.
  if (platform === 'darwin') template.unshift({ role: 'appMenu' })
  return template
}
