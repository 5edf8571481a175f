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

/**
 * Returns an event's message in the interface language where the event carries the data to word
 * it (the automatic settings); other events keep the backend's English message.
 */
export function eventText(event: RunEvent, t: Translate): string {
  if (event.kind === 'pace' && isPaceData(event.data)) {
    const { batchSize, sampleEvery, stepMs, automatic } = event.data
    const parts: string[] = []
    if (automatic.batchSize) parts.push(t('eventText.paceBatch', { batch: batchSize }))
    if (automatic.sampleEvery) parts.push(t('eventText.paceSample', { every: sampleEvery }))
    return t('eventText.pace', { what: parts.join(t('eventText.and')), ms: stepMs, batch: batchSize })
  }
  return event.message
}
