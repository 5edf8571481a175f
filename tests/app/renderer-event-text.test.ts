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

  it.each([
    [{ step: 0, kind: 'started', data: { backend: 'wasm', device: 'cpu · onnxruntime 1.31.1 (2 threads)', nativeKernelsOff: false } },
      'Training started on wasm · cpu · onnxruntime 1.31.1 (2 threads).', '训练开始，运行在 wasm · cpu · onnxruntime 1.31.1 (2 threads)。'],
    [{ step: 40, kind: 'resumed', data: { backend: 'wasm', device: 'cpu', nativeKernelsOff: true } },
      'Continued from step 40 on wasm · cpu. Native kernels are off, so training is several times slower: install onnxruntime-node (see the README).',
      '从第 40 步继续，运行在 wasm · cpu。原生内核未启用，训练会慢数倍：请安装 onnxruntime-node（见 README）。'],
    [{ step: 12, kind: 'resumed' }, 'Resumed.', '已继续。'],
    [{ step: 12, kind: 'paused' }, 'Paused.', '已暂停。'],
    [{ step: 500, kind: 'completed' }, 'Finished 500 steps.', '已完成 500 步。'],
    [{ step: 7, kind: 'stopped' }, 'Stopped at step 7.', '在第 7 步停止。'],
    [{ step: 8, kind: 'single-step' }, 'Single step to 8.', '单步执行到第 8 步。'],
    [{ step: 9, kind: 'lr-change', data: { lrG: [0.0002, 0.0001], lrD: [0.0002, 0.0002] } },
      'Learning rates: G 0.0002 → 0.0001, D 0.0002 → 0.0002.', '学习率：G 0.0002 → 0.0001，D 0.0002 → 0.0002。'],
    [{ step: 9, kind: 'ratio-change', data: { dSteps: [1, 2], gSteps: [1, 1] } }, 'D:G steps 1:1 → 2:1.', 'D:G 步数 1:1 → 2:1。'],
    [{ step: 20, kind: 'non-finite', data: { what: 'D loss', value: 'NaN' } },
      'D loss is NaN at step 21: the update was skipped and the run paused. Try a lower learning rate, or label smoothing to keep D from saturating.',
      '第 21 步的 D loss 为 NaN：已跳过这次更新并暂停训练。可以降低学习率，或使用标签平滑防止 D 饱和。'],
  ])('words %j', async (partial, english, chinese) => {
    const event = { message: 'from the worker', ...partial } as RunEvent
    const t = translator.t.bind(translator) as (key: string, options?: Record<string, unknown>) => string
    await translator.changeLanguage('en')
    expect(eventText(event, t)).toBe(english)
    await translator.changeLanguage('zh-CN')
    expect(eventText(event, t)).toBe(chinese)
  })

  it('keeps other messages as sent', () => {
    const event = { step: 3, kind: 'engine-error', message: 'shape mismatch' } as RunEvent
    expect(eventText(event, () => 'translated')).toBe('shape mismatch')
    const oldStart = { step: 0, kind: 'started', message: 'training started' } as RunEvent
    expect(eventText(oldStart, () => 'translated')).toBe('training started')
    expect(eventText({ ...pace({ batchSize: true, sampleEvery: true }), data: { timings: [] } }, () => 'translated')).toMatch(/^picked/)
  })
})
