// `npm start`: builds the app with electron-vite and opens it in Electron. When Electron cannot run
// here (no binary, or no display on Linux) it prints why and serves the browser version instead, in
// this process, until Ctrl+C or SIGTERM. Extra arguments (after --) go to Electron's app, or to the
// serve command (--port, --host, --db, --data-dir, --renderer-dir) in the browser version.
import { spawn, spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const requireFromProject = createRequire(join(projectRoot, 'package.json'))

/**
 * Returns the Electron executable's path, or the reason it is unavailable. The electron package
 * downloads the binary on first use. The check runs in a child process, so the download log stays
 * out of this output.
 */
function findElectron() {
  const result = spawnSync(process.execPath, ['-e', "process.stdout.write('\\n' + require('electron'))"], {
    cwd: projectRoot,
    encoding: 'utf8',
  })
  if (result.status === 0) return { path: result.stdout.trim().split('\n').at(-1) }
  // The last error printed is the one require('electron') threw; its first sentence names the failure.
  const errors = [...`${result.stderr}\n${result.error?.message ?? ''}`.matchAll(/^\w*Error: ([^.\n]+)/gm)]
  const thrown = errors.at(-1)?.[1] ?? `exit code ${result.status}`
  return { problem: `the Electron binary is not installed and could not be downloaded (require('electron') threw "${thrown}")` }
}

function displayProblem() {
  if (process.platform !== 'linux') return null
  if (process.env.DISPLAY || process.env.WAYLAND_DISPLAY) return null
  return 'no display is available (neither DISPLAY nor WAYLAND_DISPLAY is set)'
}

function buildApp() {
  const electronVite = join(dirname(requireFromProject.resolve('electron-vite/package.json')), 'bin', 'electron-vite.js')
  const build = spawnSync(process.execPath, [electronVite, 'build'], { cwd: projectRoot, stdio: 'inherit' })
  if (build.status !== 0) {
    console.error(`npm start: electron-vite build failed (exit code ${build.status ?? build.signal}), so the app was not started.`)
    process.exit(1)
  }
}

/**
 * Runs `npm run cli -- serve` in this process: tsx compiles the TypeScript sources on the fly, as for
 * the command line. The UI is built first, as for Electron, unless --renderer-dir names a built one.
 */
async function serveInBrowser(args) {
  if (!args.some((arg) => arg === '--renderer-dir' || arg.startsWith('--renderer-dir='))) buildApp()
  const { register } = await import('tsx/esm/api')
  register()
  const { runServeCommand } = await import(pathToFileURL(join(projectRoot, 'src/cli/serve.ts')).href)
  try {
    await runServeCommand(args, 'npm start --')
  } catch (error) {
    console.error(`npm start: the browser version did not start: ${error.message}`)
    process.exit(1)
  }
}

// Electron loads the app from package.json's "main" (out/main/index.js). Extra arguments to npm start
// (after --) go to the app.
function launchElectron(path) {
  const app = spawn(path, ['.', ...process.argv.slice(2)], { cwd: projectRoot, stdio: 'inherit' })
  app.on('error', (error) => {
    console.error(`npm start: could not launch ${path}: ${error.message}`)
    process.exit(1)
  })
  app.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
}

const electron = findElectron()
const problems = [electron.problem, displayProblem()].filter(Boolean)
if (problems.length > 0) {
  console.error(`GAN Workbench cannot open its window: ${problems.join(', and ')}.`)
  console.error('Starting the browser version instead: the same UI, served on 127.0.0.1 (Ctrl+C stops it).')
  await serveInBrowser(process.argv.slice(2))
} else {
  buildApp()
  launchElectron(electron.path)
}
