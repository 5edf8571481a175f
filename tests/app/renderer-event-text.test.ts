import i18next from 'i18next'
import { beforeAll, describe, expect, it } from 'vitest'
import type { RunEvent } from '../../src/shared/contract'
import en from '../../src/renderer/logic/locales/en'
import zhCN from '../../src/renderer/logic/locales/zh-CN'
import { eventText } from '../../src/renderer/logic/event-text'

const translator = i18next.createInstance()

beforeAll(async () => {
  await translator.init({ lng: 'en', resources: { en: { translation: en }, 'zh-CN': { translation: zhCN } }, interpolation: { escapeValue: false } })
})

const pace = (automatic: { batchSize: boolean; sampleEvery: boolean }): RunEvent =>
  ({
    step: 0,
    kind: 'pace',
    message: 'picked batch size 32 and a sample grid every 20 iterations: English from the worker',
    data: { batchSize: 32, sampleEvery: 20, stepMs: 96, automatic, timings: [] },
  }) as RunEvent

describe('event text', () => {
  it('words automatic settings in English', async () => {
    await translator.changeLanguage('en')
    const t = translator.t.bind(translator) as (key: string, options?: Record<string, unknown>) => string
    expect(eventText(pace({ batchSize: true, sampleEvery: true }), t)).toBe(
      'Picked batch size 32 and a sample grid every 20 iterations: an iteration takes 96 ms at batch size 32 on this machine.',
    )
    expect(eventText(pace({ batchSize: false, sampleEvery: true }), t)).toBe(
      'Picked a sample grid every 20 iterations: an iteration takes 96 ms at batch size 32 on this machine.',
    )
  })

  it('words automatic settings in Chinese', async () => {
    await translator.changeLanguage('zh-CN')
    const t = translator.t.bind(translator) as (key: string, options?: Record<string, unknown>) => string
    expect(eventText(pace({ batchSize: true, sampleEvery: true }), t)).toBe('已选取批大小 32，以及每 20 次迭代一张样本网格：在本机上批大小为 32 时，每次迭代耗时 96 毫秒。')
  })

  it('keeps other messages as sent', () => {
    const event = { step: 3, kind: 'started', message: 'training started' } as RunEvent
    expect(eventText(event, () => 'translated')).toBe('training started')
    expect(eventText({ ...pace({ batchSize: true, sampleEvery: true }), data: { timings: [] } }, () => 'translated')).toMatch(/^picked/)
  })
})
