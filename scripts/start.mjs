// `npm start`: builds the app with electron-vite and opens it in Electron. When Electron cannot run
// here (no binary, or no display on Linux) it prints why, points to the browser version, and exits 1.
import { spawn, spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

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

const electron = findElectron()
const problems = [electron.problem, displayProblem()].filter(Boolean)
if (problems.length > 0) {
  console.error(`GAN Workbench cannot open its window: ${problems.join(', and ')}.`)
  console.error('The browser version serves the same UI on 127.0.0.1: run `npm run cli -- serve`.')
  process.exit(1)
}

const electronVite = join(dirname(requireFromProject.resolve('electron-vite/package.json')), 'bin', 'electron-vite.js')
const build = spawnSync(process.execPath, [electronVite, 'build'], { cwd: projectRoot, stdio: 'inherit' })
if (build.status !== 0) {
  console.error(`npm start: electron-vite build failed (exit code ${build.status ?? build.signal}), so the app was not started.`)
  process.exit(1)
}

// Electron loads the app from package.json's "main" (out/main/index.js). Extra arguments to npm start
// (after --) go to the app.
const app = spawn(electron.path, ['.', ...process.argv.slice(2)], { cwd: projectRoot, stdio: 'inherit' })
app.on('error', (error) => {
  console.error(`npm start: could not launch ${electron.path}: ${error.message}`)
  process.exit(1)
})
app.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
