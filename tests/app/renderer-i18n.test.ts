import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import en from '../../src/renderer/logic/locales/en'
import zhCN from '../../src/renderer/logic/locales/zh-CN'
import { pickLanguage } from '../../src/renderer/logic/language'

const rendererDir = join(import.meta.dirname, '../../src/renderer')

/** Flattens a nested catalogue into dotted keys, as i18next looks them up. */
function flatten(catalogue: object, prefix = ''): Map<string, unknown> {
  const entries = new Map<string, unknown>()
  for (const [key, value] of Object.entries(catalogue)) {
    const path = prefix ? `${prefix}.${key}` : key
    if (typeof value === 'object' && value !== null) for (const [k, v] of flatten(value, path)) entries.set(k, v)
    else entries.set(path, value)
  }
  return entries
}

const placeholders = (text: string): string[] => [...text.matchAll(/\{\{(\w+)\}\}/g)].map((match) => match[1]).sort()

/** Catalogue keys the renderer's sources pass to t() as string literals. */
function keysUsedInSources(): Array<{ file: string; key: string }> {
  const used: Array<{ file: string; key: string }> = []
  for (const name of readdirSync(rendererDir, { recursive: true, encoding: 'utf8' })) {
    if (!/\.(svelte|ts)$/.test(name) || name.includes('locales')) continue
    const text = readFileSync(join(rendererDir, name), 'utf8')
    for (const match of text.matchAll(/\bt\(\s*'([a-zA-Z0-9_.-]+)'/g)) used.push({ file: name, key: match[1] })
  }
  return used
}

describe('catalogues', () => {
  const english = flatten(en)
  const chinese = flatten(zhCN)

  it('have the same keys', () => {
    expect([...chinese.keys()].sort()).toEqual([...english.keys()].sort())
  })

  it('have no empty strings', () => {
    for (const [name, entries] of [['en', english], ['zh-CN', chinese]] as const) {
      for (const [key, value] of entries) {
        expect(typeof value, `${name} ${key}`).toBe('string')
        expect(String(value).trim(), `${name} ${key}`).not.toBe('')
      }
    }
  })

  it('use the same placeholders', () => {
    for (const [key, value] of english) {
      expect(placeholders(String(chinese.get(key))), key).toEqual(placeholders(String(value)))
    }
  })

  it('hold every key the sources use', () => {
    const used = keysUsedInSources()
    expect(used.length).toBeGreaterThan(100)
    // A plural key such as newRun.problems is stored as problems_one and problems_other.
    const missing = used.filter(({ key }) => !english.has(key) && !english.has(`${key}_other`))
    expect(missing).toEqual([])
  })

  it('chinese text is in chinese', () => {
    const hanzi = /[\u4e00-\u9fff]/
    // Keys whose text is a name or notation in both languages.
    const same = new Set(['chart.markerLr', 'chart.markerRatio', 'runs.losses', 'live.stepOf', 'eventText.withNote'])
    for (const [key, value] of chinese) {
      if (same.has(key) || key.startsWith('option.') || (key.endsWith('.label') && value === english.get(key))) continue
      expect(hanzi.test(String(value)), `zh-CN ${key}: ${String(value)}`).toBe(true)
    }
  })
})

describe('pickLanguage', () => {
  it('prefers the stored choice', () => {
    expect(pickLanguage('zh-CN', ['en-US'])).toBe('zh-CN')
    expect(pickLanguage('en', ['zh-CN'])).toBe('en')
  })

  it('maps any chinese tag', () => {
    for (const tag of ['zh', 'zh-CN', 'zh-Hans', 'zh-TW', 'ZH-cn']) expect(pickLanguage(null, [tag]), tag).toBe('zh-CN')
  })

  it('takes the first known language', () => {
    expect(pickLanguage(null, ['fr-FR', 'zh-CN', 'en'])).toBe('zh-CN')
    expect(pickLanguage(null, ['de', 'en-GB'])).toBe('en')
  })

  it('falls back to english', () => {
    expect(pickLanguage(null, [])).toBe('en')
    expect(pickLanguage('klingon', ['fr'])).toBe('en')
  })
})

describe('evaluated health warnings', () => {
  it('every code has a text in both languages', async () => {
    const { healthWarnings } = await import('../../src/main/metrics/health')
    // Rows and an evaluation that trip every rule the live screen shows.
    const rows = Array.from({ length: 60 }, (_, i) => ({
      step: i + 1, dLoss: 0.01, gLoss: 5 + i / 10, dReal: 0.99, dFake: 0.01, gradNormG: 1e-6, gradNormD: 5,
      leakNorm: null, lrG: 2e-4, lrD: 2e-4, seconds: 0.1,
    }))
    const evaluation = { dAccuracyReal: 1, dAccuracyFake: 1, diversity: 0.1, modesCovered: 1, modesTotal: 8, highQualityShare: 0.1 }
    const codes = new Set(healthWarnings(rows, evaluation, { loss: 'bce' }).map((warning) => warning.code))
    expect(codes.size).toBeGreaterThanOrEqual(4)
    for (const code of [...codes, 'NON_FINITE']) {
      for (const [name, catalogue] of [['en', en], ['zh-CN', zhCN]] as const) {
        const text = flatten(catalogue).get(`health.evaluated.${code}`)
        expect(typeof text === 'string' && text.length > 0, `${name} health.evaluated.${code}`).toBe(true)
      }
    }
  })
})
