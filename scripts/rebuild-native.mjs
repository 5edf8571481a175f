// Builds better-sqlite3 for Electron's ABI into native/electron/, next to the Node build that npm
// made in node_modules (tests and the command line use that one). Runs as the postinstall step and as
// `npm run rebuild:electron` (with --force).
//
// It works on a copy of the package in a temporary folder, so node_modules keeps its Node build. It
// tries a prebuilt binary first (prebuild-install) and compiles with node-gyp against Electron's
// headers otherwise. Both need internet access. As the postinstall step it never fails the install:
// when no build can be made it prints one line saying why and exits 0, and the app names the command
// to run when it cannot load the module. With --force it exits 1 in that case.
import { spawnSync } from 'node:child_process'
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..')
// GANWB_NATIVE_DIR lets tests build somewhere other than the app's folder.
const targetDir = process.env.GANWB_NATIVE_DIR ? resolve(process.env.GANWB_NATIVE_DIR) : join(projectRoot, 'native', 'electron')
const bindingName = 'better_sqlite3.node'
const requireFromProject = createRequire(join(projectRoot, 'package.json'))
// One attempt at most this long, so an install behind a silent firewall does not hang.
const stepTimeoutMs = 10 * 60 * 1000

/** Ends the script with the one-line explanation, after `finally` blocks have cleaned up. */
class Skip extends Error {}

function skip(reason) {
  throw new Skip(reason)
}

function packageVersion(name) {
  try {
    return JSON.parse(readFileSync(requireFromProject.resolve(`${name}/package.json`), 'utf8')).version
  } catch {
    return undefined
  }
}

// npm sets npm_config_node_gyp while it runs a package script; otherwise use the node-gyp that ships
// with npm next to this Node, or one in node_modules.
function findNodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ]
  try {
    candidates.push(requireFromProject.resolve('node-gyp/bin/node-gyp.js'))
  } catch {
    // node-gyp is not a dependency of this project; the npm copy above is the usual one.
  }
  return candidates.find((file) => file && existsSync(file))
}

/** Runs a Node script in `cwd` and returns null on success, or a short reason for the failure. */
function runNode(script, args, cwd, env = process.env) {
  const result = spawnSync(process.execPath, [script, ...args], { cwd, env, encoding: 'utf8', timeout: stepTimeoutMs })
  if (result.status === 0) return null
  if (result.error) return result.error.message
  return summarizeFailure(`${result.stdout}\n${result.stderr}`, result.status)
}

// Both tools print a long log on failure. A download failure is reported as the URL and the network
// error code; anything else as the last line that mentions an error.
function summarizeFailure(output, status) {
  const lines = output.split('\n').map((line) => line.trim()).filter(Boolean)
  const url = output.match(/\bGET (https?:\/\/\S+)/)?.[1]
  const networkCode = output.match(/\b(ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT)\b/)?.[1]
  if (url && (networkCode || /network connectivity/.test(output))) {
    return `could not download ${url} (${networkCode ?? 'network error'})`
  }
  const errorLine = lines.filter((line) => /error/i.test(line) && !/^gyp ERR! (System|command|cwd|node -v|node-gyp -v|not ok)/.test(line)).at(-1)
  return (errorLine ?? lines.at(-1) ?? `exit code ${status}`).slice(0, 200)
}

// An npm config `nodedir` (set on machines that build addons offline against the local Node headers)
// would make node-gyp compile against Node's headers even with --runtime=electron.
function withoutNodedir(env) {
  return Object.fromEntries(Object.entries(env).filter(([key]) => key.toLowerCase() !== 'npm_config_nodedir'))
}

/**
 * Loads the built module in this Node, which must refuse it: Node reports the module's
 * NODE_MODULE_VERSION, which must be Electron's. Returns null when it is, or what is wrong.
 */
function checkBuiltAbi(file, expectedAbi) {
  const result = spawnSync(process.execPath, ['-e', 'require(process.argv[1])', file], { encoding: 'utf8' })
  if (result.status === 0) return `it loads in Node ${process.versions.node}, so it was built against Node's headers`
  const moduleAbi = result.stderr.match(/using\s+NODE_MODULE_VERSION (\d+)/)?.[1]
  if (expectedAbi !== 'unknown' && moduleAbi !== String(expectedAbi)) {
    return `it has NODE_MODULE_VERSION ${moduleAbi ?? 'unknown'}, but Electron needs ${expectedAbi}`
  }
  return null
}

function main() {
  if (process.env.GANWB_SKIP_ELECTRON_REBUILD === '1') skip('GANWB_SKIP_ELECTRON_REBUILD=1 is set')

  const electronVersion = packageVersion('electron')
  if (!electronVersion) skip('the electron package is not installed (a production install leaves it out)')
  const sqliteVersion = packageVersion('better-sqlite3')
  if (!sqliteVersion) skip('better-sqlite3 is not installed')

  const infoFile = join(targetDir, 'build-info.json')
  // --force (npm run rebuild:electron) rebuilds even when the recorded versions match.
  if (!process.argv.includes('--force') && existsSync(join(targetDir, bindingName)) && existsSync(infoFile)) {
    const info = JSON.parse(readFileSync(infoFile, 'utf8'))
    if (info.electron === electronVersion && info.betterSqlite3 === sqliteVersion) {
      console.log(`rebuild-native: the Electron ${electronVersion} build of better-sqlite3 ${sqliteVersion} is up to date in ${targetDir}.`)
      return
    }
  }

  let abi = 'unknown'
  try {
    abi = requireFromProject('node-abi').getAbi(electronVersion, 'electron')
  } catch {
    // node-abi comes with prebuild-install; the ABI is only recorded for the error messages.
  }

  const workDir = mkdtempSync(join(tmpdir(), 'ganwb-native-'))
  try {
    const packageDir = join(workDir, 'better-sqlite3')
    const sourceDir = dirname(requireFromProject.resolve('better-sqlite3/package.json'))
    cpSync(sourceDir, packageDir, {
      recursive: true,
      // The Node build in build/ must not be mistaken for the Electron one.
      filter: (source) => !relative(sourceDir, source).startsWith('build'),
    })

    const failures = []
    let method = null
    let prebuildInstall = null
    try {
      prebuildInstall = requireFromProject.resolve('prebuild-install/bin.js')
    } catch {
      failures.push('prebuild-install is not installed')
    }
    if (prebuildInstall) {
      const error = runNode(prebuildInstall, ['--verbose', '--runtime', 'electron', '--target', electronVersion, '--arch', process.arch, '--platform', process.platform], packageDir)
      if (error) failures.push(`prebuilt binary: ${error}`)
      else method = 'prebuild-install'
    }
    if (!method) {
      const nodeGyp = findNodeGyp()
      if (!nodeGyp) {
        failures.push('node-gyp was not found')
      } else {
        const args = ['rebuild', '--release', '--runtime=electron', `--target=${electronVersion}`, '--dist-url=https://electronjs.org/headers']
        const error = runNode(nodeGyp, args, packageDir, withoutNodedir(process.env))
        if (error) failures.push(`node-gyp: ${error}`)
        else method = 'node-gyp'
      }
    }
    const built = join(packageDir, 'build', 'Release', bindingName)
    if (!method || !existsSync(built)) skip(failures.join('; ') || `no ${bindingName} was produced`)
    const wrongAbi = checkBuiltAbi(built, abi)
    if (wrongAbi) skip(`${method} produced a module for the wrong runtime: ${wrongAbi}`)

    mkdirSync(targetDir, { recursive: true })
    copyFileSync(built, join(targetDir, bindingName))
    writeFileSync(infoFile, `${JSON.stringify({ electron: electronVersion, abi, betterSqlite3: sqliteVersion, method }, null, 2)}\n`)
    console.log(`rebuild-native: built better-sqlite3 ${sqliteVersion} for Electron ${electronVersion} (NODE_MODULE_VERSION ${abi}) with ${method} into ${targetDir}.`)
  } finally {
    rmSync(workDir, { recursive: true, force: true })
  }
}

try {
  main()
} catch (error) {
  const reason = error instanceof Skip ? error.message : `unexpected error: ${error instanceof Error ? error.message : String(error)}`
  console.log(
    `rebuild-native: skipped the Electron build of better-sqlite3: ${reason}. Tests and the command line use the ` +
      'Node build, and `npm start` falls back to the browser version; for the desktop window, run ' +
      '`npm run rebuild:electron` once with internet access.',
  )
  // The explicit command reports failure; the postinstall step must not fail `npm install`.
  if (process.argv.includes('--force')) process.exitCode = 1
}
