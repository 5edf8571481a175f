// Finds the better-sqlite3 native module that matches the running runtime. npm compiles the package
// for Node's ABI, which tests and the command line use. Electron has its own ABI (its own
// NODE_MODULE_VERSION), so scripts/rebuild-native.mjs builds a second copy for Electron into
// native/electron/, and inside Electron the store passes that copy as better-sqlite3's
// `nativeBinding` option.
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'

/** Folder of the Electron build made by scripts/rebuild-native.mjs, relative to the app's root folder. */
export const electronNativeFolder = join('native', 'electron')
export const electronBindingFileName = 'better_sqlite3.node'
/** Written next to the binding by scripts/rebuild-native.mjs. */
export const buildInfoFileName = 'build-info.json'
export const rebuildCommand = 'npm run rebuild:electron'

export type NativeModuleErrorCode = 'NATIVE_MISSING' | 'NATIVE_ABI_MISMATCH' | 'NATIVE_STALE' | 'NATIVE_LOAD_FAILED'

export class NativeModuleError extends Error {
  constructor(
    readonly code: NativeModuleErrorCode,
    message: string,
  ) {
    super(message)
    this.name = 'NativeModuleError'
  }
}

/** Metadata that scripts/rebuild-native.mjs writes next to the build it made. */
export interface NativeBuildInfo {
  electron: string
  /** The NODE_MODULE_VERSION the module was built for. */
  abi: string
  betterSqlite3: string
  method: string
}

const rebuildHint =
  `Run \`${rebuildCommand}\` in the project folder, on a machine with internet access ` +
  '(it downloads a prebuilt binary or Electron headers).'

/**
 * Returns the `nativeBinding` option for better-sqlite3 in this runtime: undefined under plain Node,
 * where the package's own build matches, and the path of the Electron build under Electron, after
 * loading it once to check that it matches. Throws NativeModuleError with the command to run when the
 * Electron build is missing, stale, or built for another ABI. `electronVersion` defaults to the running
 * Electron's version, which is undefined under plain Node.
 */
export function sqliteNativeBinding(
  appRoot: string,
  electronVersion: string | undefined = process.versions.electron,
): string | undefined {
  if (!electronVersion) return undefined

  const file = join(appRoot, electronNativeFolder, electronBindingFileName)
  if (!existsSync(file)) {
    throw new NativeModuleError(
      'NATIVE_MISSING',
      `better-sqlite3 has no build for Electron at ${file}, so the app cannot open its database. ` +
        `The install step skips that build when it cannot download anything. ${rebuildHint}`,
    )
  }
  checkBuildInfo(appRoot)
  loadNativeModule(file)
  return file
}

/** Loads a native module with Node's loader, turning a load failure into a NativeModuleError. */
export function loadNativeModule(file: string): void {
  try {
    createRequire(import.meta.url)(file)
  } catch (error) {
    throw explainNativeLoadError(error, file)
  }
}

/** Turns the loader's error for a native module into a NativeModuleError that names the command to run. */
export function explainNativeLoadError(error: unknown, file: string): NativeModuleError {
  const message = error instanceof Error ? error.message : String(error)
  // Node's wording: "...was compiled against a different Node.js version using NODE_MODULE_VERSION 115.
  // This version of Node.js requires NODE_MODULE_VERSION 140. ..."
  const versions = [...message.matchAll(/NODE_MODULE_VERSION (\d+)/g)].map((match) => match[1])
  if (versions.length >= 2) {
    const runtime = process.versions.electron ? `Electron ${process.versions.electron}` : `Node ${process.versions.node}`
    return new NativeModuleError(
      'NATIVE_ABI_MISMATCH',
      `better-sqlite3's native module at ${file} was built for NODE_MODULE_VERSION ${versions[0]}, ` +
        `but ${runtime} requires NODE_MODULE_VERSION ${versions[1]}. ${rebuildHint}`,
    )
  }
  return new NativeModuleError(
    'NATIVE_LOAD_FAILED',
    `better-sqlite3's native module at ${file} failed to load: ${message.split('\n')[0]}. ${rebuildHint}`,
  )
}

// A binding built for an older better-sqlite3 may load but disagree with the package's JavaScript.
function checkBuildInfo(appRoot: string): void {
  const infoFile = join(appRoot, electronNativeFolder, buildInfoFileName)
  if (!existsSync(infoFile)) return
  const info = JSON.parse(readFileSync(infoFile, 'utf8')) as Partial<NativeBuildInfo>
  const installed = installedPackageVersion(appRoot, 'better-sqlite3')
  if (installed && info.betterSqlite3 && info.betterSqlite3 !== installed) {
    throw new NativeModuleError(
      'NATIVE_STALE',
      `the Electron build of better-sqlite3 in ${electronNativeFolder} is for version ${info.betterSqlite3}, ` +
        `but version ${installed} is installed. ${rebuildHint}`,
    )
  }
}

function installedPackageVersion(appRoot: string, name: string): string | undefined {
  const file = join(appRoot, 'node_modules', name, 'package.json')
  if (!existsSync(file)) return undefined
  return (JSON.parse(readFileSync(file, 'utf8')) as { version?: string }).version
}
