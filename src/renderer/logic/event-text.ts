import type { RunEvent } from '../../shared/contract'

type Translate = (key: string, options?: Record<string, unknown>) => string

interface PaceData {
  batchSize: number
  sampleEvery: number
  stepMs: number
  automatic: { batchSize: boolean; sampleEvery: boolean }
}

function isPaceData(data: unknown): data is PaceData {
  const value = data as Partial<PaceData> | null
  return (
    typeof value?.batchSize === 'number' &&
    typeof value.sampleEvery === 'number' &&
    typeof value.stepMs === 'number' &&
    typeof value.automatic?.batchSize === 'boolean' &&
    typeof value.automatic.sampleEvery === 'boolean'
  )
}

type Pair = [number, number]

const isPair = (value: unknown): value is Pair => Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'number')

function record(data: unknown): Record<string, unknown> {
  return typeof data === 'object' && data !== null ? (data as Record<string, unknown>) : {}
}

/** Words the events whose facts are in their step and data; null for free-form ones. */
function worded(event: RunEvent, t: Translate): string | null {
  const data = record(event.data)
  switch (event.kind) {
    case 'pace': {
      if (!isPaceData(event.data)) return null
      const { batchSize, sampleEvery, stepMs, automatic } = event.data
      const parts: string[] = []
      if (automatic.batchSize) parts.push(t('eventText.paceBatch', { batch: batchSize }))
      if (automatic.sampleEvery) parts.push(t('eventText.paceSample', { every: sampleEvery }))
      return t('eventText.pace', { what: parts.join(t('eventText.and')), ms: stepMs, batch: batchSize })
    }
    case 'started':
    case 'resumed': {
      if (typeof data.backend !== 'string' || typeof data.device !== 'string') return event.kind === 'resumed' ? t('eventText.resumed') : null
      const key = event.kind === 'started' ? 'eventText.started' : 'eventText.continued'
      const text = t(key, { step: event.step, backend: data.backend, device: data.device })
      return data.nativeKernelsOff === true ? t('eventText.withNote', { text, note: t('eventText.nativeKernelsOff') }) : text
    }
    case 'paused':
      return t('eventText.paused')
    case 'completed':
      return t('eventText.completed', { step: event.step })
    case 'stopped':
      return t('eventText.stopped', { step: event.step })
    case 'single-step':
      return t('eventText.singleStep', { step: event.step })
    case 'lr-change':
      if (!isPair(data.lrG) || !isPair(data.lrD)) return null
      return t('eventText.lrChange', { g0: data.lrG[0], g1: data.lrG[1], d0: data.lrD[0], d1: data.lrD[1] })
    case 'ratio-change':
      if (!isPair(data.dSteps) || !isPair(data.gSteps)) return null
      return t('eventText.ratioChange', { d0: data.dSteps[0], g0: data.gSteps[0], d1: data.dSteps[1], g1: data.gSteps[1] })
    case 'non-finite':
      if (typeof data.what !== 'string' || typeof data.value !== 'string') return null
      return t('eventText.nonFinite', { what: data.what, value: data.value, step: event.step + 1 })
    default:
      return null
  }
}

/**
 * Returns an event's message in the interface language when the event carries the facts to word it.
 * Free-form events (engine errors, evaluation notes) keep the backend's English message.
 */
export function eventText(event: RunEvent, t: Translate): string {
  return worded(event, t) ?? event.message
}
