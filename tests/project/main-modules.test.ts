// Main-process modules that run under plain Node: the CSP, the menu template and the engine report.
import { describe, expect, it } from 'vitest'
import { contentSecurityPolicy } from '../../src/main/csp'
import { engineInfo } from '../../src/main/engine-info'
import { appMenuTemplate as buildTemplate } from '../../src/main/menu'

function directives(policy: string): Map<string, string> {
  return new Map(policy.split('; ').map((part) => [part.split(' ')[0], part.slice(part.indexOf(' ') + 1)]))
}

describe('contentSecurityPolicy', () => {
  it('is strict in production', () => {
    const header = directives(contentSecurityPolicy('production', 'header'))
    expect(Object.fromEntries(header)).toEqual({
      'default-src': "'self'",
      'script-src': "'self'",
      'style-src': "'self'",
      'img-src': "'self' data: blob:",
      'connect-src': "'self'",
      'object-src': "'none'",
      'base-uri': "'none'",
      'frame-ancestors': "'none'",
    })
  })

  it('leaves frame-ancestors out of meta', () => {
    const meta = directives(contentSecurityPolicy('production', 'meta'))
    expect(meta.has('frame-ancestors')).toBe(false)
    expect(meta.get('script-src')).toBe("'self'")
  })

  it('allows inline styles in development', () => {
    const dev = directives(contentSecurityPolicy('development', 'header'))
    expect(dev.get('style-src')).toBe("'self' 'unsafe-inline'")
    expect(dev.get('script-src')).toBe("'self'")
  })
})

describe('appMenuTemplate', () => {
  const calls: string[] = []
  const actions = {
    openDataset: (kind: 'folder' | 'file') => calls.push(`open ${kind}`),
    navigate: (view: 'runs' | 'new-run') => calls.push(`show ${view}`),
  }
  const appMenuTemplate = (platform: NodeJS.Platform, development: boolean) => buildTemplate(platform, development, actions)
  const roles = (template: ReturnType<typeof appMenuTemplate>): unknown[] =>
    template.flatMap((item) => [item.role ?? item.label, ...(Array.isArray(item.submenu) ? item.submenu.map((sub) => sub.role ?? sub.type) : [])])

  it('hides devtools in production', () => {
    expect(roles(appMenuTemplate('linux', false))).not.toContain('toggleDevTools')
    expect(roles(appMenuTemplate('linux', true))).toContain('toggleDevTools')
  })

  it('adds the app menu on macOS', () => {
    expect(appMenuTemplate('darwin', false)[0].role).toBe('appMenu')
    expect(roles(appMenuTemplate('linux', false))).not.toContain('appMenu')
    expect(roles(appMenuTemplate('linux', false))).toContain('quit')
  })

  it('runs the app actions', () => {
    const items = appMenuTemplate('linux', false).flatMap((item) => (Array.isArray(item.submenu) ? item.submenu : []))
    const click = (label: string): void => {
      const item = items.find((entry) => entry.label === label)
      if (!item?.click) expect.fail(`the menu has no item '${label}' with a click handler`)
      ;(item.click as () => void)()
    }
    for (const label of ['Open Dataset Folder…', 'Open Dataset File…', 'Runs', 'New Run']) click(label)
    expect(calls).toEqual(['open folder', 'open file', 'show runs', 'show new-run'])
  })
})

describe('engineInfo', () => {
  it('reports the running backend', async () => {
    const info = await engineInfo()
    if (!info.ok) expect.fail(`the engine did not start: ${info.error}`)
    expect(['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu']).toContain(info.backend)
    expect(info.tried.at(-1)).toEqual({ name: info.backend, ok: true })
    expect(info.tried.slice(0, -1).every((attempt) => !attempt.ok && typeof attempt.error === 'string')).toBe(true)
    // A second call returns the same report instead of starting the engine again.
    expect(await engineInfo()).toBe(info)
  })
})
