import { vitePreprocess } from '@sveltejs/vite-plugin-svelte'

/** @type {import('@sveltejs/vite-plugin-svelte').SvelteConfig} */
export default {
  preprocess: vitePreprocess(),
  compilerOptions: {
    // Every component uses Svelte 5 runes ($state, $props, $derived); legacy syntax is a compile error.
    runes: true,
  },
}
