import { join } from 'node:path'
import { appDataDir } from '../paths'

/** The app's own run database, shared by the desktop app and the command line. */
export function defaultDatabasePath(): string {
  return join(appDataDir(), 'runs.sqlite')
}
