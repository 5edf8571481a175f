/**
 * Where GAN Workbench keeps its files, computed without Electron so that the command line and tests
 * use the same folders as the app.
 */
import { homedir } from 'node:os'
import { join } from 'node:path'

/** The app's name as Electron sees it; `app.getPath('userData')` is `<appData>/<name>`. */
export const APP_NAME = 'GAN Workbench'

/** Environment variable that replaces the whole app data folder (tests and portable installs use it). */
export const DATA_DIR_ENV = 'GANWB_DATA_DIR'

export interface PathEnvironment {
  env?: NodeJS.ProcessEnv
  platform?: NodeJS.Platform
  home?: string
}

/**
 * Returns the folder Electron's `app.getPath('userData')` gives for this app: `$XDG_CONFIG_HOME` (or
 * `~/.config`) on Linux, `~/Library/Application Support` on macOS and `%APPDATA%` on Windows, each
 * followed by the app name. `GANWB_DATA_DIR` overrides it.
 */
export function appDataDir(context: PathEnvironment = {}): string {
  const env = context.env ?? process.env
  const override = env[DATA_DIR_ENV]
  if (override !== undefined && override !== '') return override

  const platform = context.platform ?? process.platform
  const home = context.home ?? homedir()
  switch (platform) {
    case 'darwin':
      return join(home, 'Library', 'Application Support', APP_NAME)
    case 'win32':
      return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), APP_NAME)
    default:
      return join(env.XDG_CONFIG_HOME || join(home, '.config'), APP_NAME)
  }
}

/** Folder that holds downloaded datasets, one sub-folder per set. `dataDir` replaces the app data folder. */
export function datasetsDir(dataDir?: string): string {
  return join(dataDir ?? appDataDir(), 'datasets')
}
