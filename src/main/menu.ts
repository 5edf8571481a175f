import type { MenuItemConstructorOptions } from 'electron'

/**
 * The application menu as a template for Menu.buildFromTemplate. Built from roles only, so it needs
 * no Electron import here and stays testable under plain Node. Developer tools appear only in
 * development builds.
 */
export function appMenuTemplate(platform: NodeJS.Platform, development: boolean): MenuItemConstructorOptions[] {
  const view: MenuItemConstructorOptions[] = [
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
    platform === 'darwin' ? { role: 'fileMenu' } : { label: 'File', submenu: [{ role: 'quit' }] },
    { role: 'editMenu' },
    { label: 'View', submenu: view },
    { role: 'windowMenu' },
  ]
  // macOS puts About, Hide and Quit in a menu named after the app, first in the bar.
  if (platform === 'darwin') template.unshift({ role: 'appMenu' })
  return template
}
