/**
 * The renderer's Content-Security-Policy. index.html carries it in a meta tag, and main also sends
 * it as a response header for pages not loaded from file:// (the dev server). A test checks that the
 * built index.html carries `contentSecurityPolicy('production', 'meta')`.
 *
 * NOTE: the production policy has no 'unsafe-inline' for styles. Svelte compiles component styles
 * into a .css file, and `style:` directives set styles through the CSSOM, which CSP allows. Static
 * `style="..."` attributes in markup and Svelte transitions (which insert <style> elements) are
 * blocked, so use classes or `style:` directives instead.
 */
export type CspMode = 'production' | 'development'

/** How the policy reaches the page: a <meta http-equiv> tag or an HTTP response header. */
export type CspDelivery = 'meta' | 'header'

export interface CspOptions {
  /**
   * Origins the page may connect to besides its own, such as the browser transport's
   * `ws://127.0.0.1:PORT` (older browsers do not count ws: as 'self').
   */
  connectSources?: string[]
}

export function contentSecurityPolicy(mode: CspMode, delivery: CspDelivery, options: CspOptions = {}): string {
  const directives: Array<[string, string[]]> = [
    ['default-src', ["'self'"]],
    ['script-src', ["'self'"]],
    // Vite's dev server injects each stylesheet as an inline <style> element.
    ['style-src', mode === 'development' ? ["'self'", "'unsafe-inline'"] : ["'self'"]],
    ['img-src', ["'self'", 'data:', 'blob:']],
    ['connect-src', ["'self'", ...(options.connectSources ?? [])]],
    ['object-src', ["'none'"]],
    ['base-uri', ["'none'"]],
  ]
  // Browsers ignore frame-ancestors in a meta tag and log a console error for it, so only the header
  // carries it.
  if (delivery === 'header') directives.push(['frame-ancestors', ["'none'"]])
  return directives.map(([name, sources]) => `${name} ${sources.join(' ')}`).join('; ')
}
