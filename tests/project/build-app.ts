import { spawnSync } from 'node:child_process'
import { resolve } from 'node:path'

export const projectRoot = resolve(import.meta.dirname, '../..')

/**
 * Runs `electron-vite build`, into out/ or into `outDir`, and throws with the build's output when it
 * fails. Test files that run at the same time build into separate folders.
 */
export function buildApp(outDir?: string): void {
  const cli = resolve(projectRoot, 'node_modules/electron-vite/bin/electron-vite.js')
  const args = [cli, 'build', '--logLevel', 'warn', ...(outDir ? ['--outDir', outDir] : [])]
  const result = spawnSync(process.execPath, args, { cwd: projectRoot, encoding: 'utf8', timeout: 180_000 })
  if (result.status !== 0) {
    throw new Error(`electron-vite build failed (exit ${result.status ?? result.signal}):\n${result.stdout}\n${result.stderr}`)
  }
}
