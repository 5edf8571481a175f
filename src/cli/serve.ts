/**
 * `npm run cli -- serve`: the app in a browser. Serves the built renderer and the backend on one port
 * of 127.0.0.1 with a random access token, and prints the address to open.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { isIPv4 } from 'node:net'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Command } from 'commander'
import { AppService } from '../main/app/service'
import { stderrLogger } from '../main/app/log'
import { appDataDir } from '../main/paths'
import { startServer } from '../main/serve/server'
import { defaultDatabasePath } from '../main/store/location'
import { RunStore } from '../main/store/run-store'

const projectRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..')

export interface ServeFlags {
  port: number
  host?: string
  db?: string
  dataDir?: string
  rendererDir?: string
}

/** Checks whether `host` is an address of this machine only: localhost, 127.0.0.0/8 or ::1. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIPv4(host) && host.startsWith('127.'))
}

function parsePort(value: string): number {
  const port = Number(value)
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`--port takes an integer from 0 to 65535, got '${value}'`)
  return port
}

/** Builds the app with electron-vite when the renderer folder has no index.html yet. */
function ensureRenderer(rendererDir: string): void {
  if (existsSync(join(rendererDir, 'index.html'))) return
  process.stderr.write(`${rendererDir} has no built UI yet, so serve builds it first: npx electron-vite build\n`)
  const cli = join(projectRoot, 'node_modules/electron-vite/bin/electron-vite.js')
  // The build's own output goes to stderr, so stdout carries only the address.
  const build = spawnSync(process.execPath, [cli, 'build'], { cwd: projectRoot, stdio: ['ignore', 2, 2] })
  if (build.status !== 0 || !existsSync(join(rendererDir, 'index.html'))) {
    throw new Error(`electron-vite build failed (exit ${build.status ?? build.signal}); run \`npx electron-vite build\` to see why`)
  }
}

/** Starts the server and keeps it running until SIGINT or SIGTERM, when live runs checkpoint and stop first. */
export async function serve(flags: ServeFlags): Promise<void> {
  const host = flags.host ?? '127.0.0.1'
  const rendererDir = flags.rendererDir ? resolve(flags.rendererDir) : join(projectRoot, 'out', 'renderer')
  if (!flags.rendererDir) ensureRenderer(rendererDir)
  else if (!existsSync(join(rendererDir, 'index.html'))) throw new Error(`--renderer-dir ${rendererDir} has no index.html; build the app with npx electron-vite build`)

  const dataDir = flags.dataDir ? resolve(flags.dataDir) : appDataDir()
  const databasePath = flags.db ? resolve(flags.db) : defaultDatabasePath()
  const store = new RunStore(databasePath)
  const version = (JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { version: string }).version
  const service = new AppService({ store, dataDir, databasePath, transport: 'browser', version })

  let server
  try {
    server = await startServer({ port: flags.port, host, service, rendererDir })
  } catch (error) {
    await service.dispose()
    store.close()
    throw error
  }
  if (!isLoopbackHost(host)) {
    process.stderr.write(
      `warning: serving on ${host} makes GAN Workbench reachable from other machines. Anyone who has the address ` +
        'with its token can read your runs, start training and read datasets on this machine; use it on a network you trust.\n',
    )
  }
  const running = server
  const shutDown = (signal: NodeJS.Signals): void => {
    process.stderr.write(`\n${signal}: stopping; live runs save a checkpoint first (Ctrl+C again to quit at once)\n`)
    process.once('SIGINT', () => process.exit(130))
    void (async () => {
      await service.dispose()
      await running.close()
      store.close()
      process.exit(0)
    })().catch((error: unknown) => {
      stderrLogger.error(`shutting down failed: ${(error as Error).message}`)
      process.exit(1)
    })
  }
  // Handlers first: a process manager may send SIGTERM as soon as it reads the address, and without a
  // handler the signal would end the process before live runs save their checkpoints.
  process.once('SIGINT', shutDown)
  process.once('SIGTERM', shutDown)
  process.stdout.write(`GAN Workbench is serving at ${server.url}\n`)
  process.stderr.write('Press Ctrl+C to stop.\n')
}

/** Adds the serve options and action to `command`, for the cli's `serve` and for `npm start`'s fallback. */
export function configureServeCommand(command: Command): Command {
  return command
    .description('serve the app to a browser: the UI and the backend on one port of 127.0.0.1, behind a random access token')
    .option('--port <n>', 'TCP port to listen on; 0 picks a free one (default 0)', parsePort, 0)
    .option('--host <address>', 'address to listen on (default 127.0.0.1, this machine only); another address exposes the app to the network')
    .option('--db <file>', "run database (default: the app's own)")
    .option('--data-dir <dir>', "app data folder holding downloaded datasets (default: the app's own)")
    .option('--renderer-dir <dir>', 'built UI to serve (default: out/renderer, built first when missing)')
    .action((flags: ServeFlags) => serve(flags))
}

export function registerServeCommand(program: Command): void {
  configureServeCommand(program.command('serve'))
}

/** Parses `args` as the serve command's options and starts serving; `npm start` calls this without Electron. */
export async function runServeCommand(args: string[], name: string): Promise<void> {
  await configureServeCommand(new Command(name)).showHelpAfterError().parseAsync(args, { from: 'user' })
}
