import { resolve, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'electron-vite'
import { svelte } from '@sveltejs/vite-plugin-svelte'
import type { Plugin } from 'vite'
import { contentSecurityPolicy } from './src/main/csp'

const root = dirname(fileURLToPath(import.meta.url))

// Native addons and packages that load them at run time must stay in node_modules: a bundler cannot
// inline a .node file, and tfjs-node finds libtensorflow relative to its own package folder.
const nativePackages = ['better-sqlite3', 'sharp', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', 'onnxruntime-node', 'onnx-proto']

/**
 * Relaxes the CSP meta tag of index.html under the dev server only, because Vite injects each
 * stylesheet as an inline <style> element there. The production build keeps the strict policy.
 */
function devServerCsp(): Plugin {
  return {
    name: 'ganwb:dev-server-csp',
    apply: 'serve',
    transformIndexHtml(html) {
      const strict = contentSecurityPolicy('production', 'meta')
      if (!html.includes(strict)) {
        throw new Error(
          `src/renderer/index.html has no CSP meta tag with the policy from src/main/csp.ts; set its content to "${strict}"`,
        )
      }
      return html.replace(strict, contentSecurityPolicy('development', 'meta'))
    },
  }
}

export default defineConfig({
  main: {
    build: {
      externalizeDeps: { include: nativePackages },
      rolldownOptions: {
        input: {
          index: resolve(root, 'src/main/index.ts'),
          // The training worker thread; src/main/trainer/host.ts loads it from beside the main bundle.
          'trainer-worker': resolve(root, 'src/main/trainer/worker.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      rolldownOptions: {
        input: { index: resolve(root, 'src/preload/index.ts') },
        // A sandboxed renderer runs its preload as a classic script, so the preload cannot be an ES
        // module. The .cjs extension keeps Node from reading it as ESM under "type": "module".
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(root, 'src/renderer'),
    build: {
      rolldownOptions: {
        input: { index: resolve(root, 'src/renderer/index.html') },
      },
    },
    plugins: [svelte({ configFile: resolve(root, 'svelte.config.js') }), devServerCsp()],
  },
})
