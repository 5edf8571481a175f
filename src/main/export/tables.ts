import type { EventRecord, MetricRecord, RunRecord } from '../store/types'

/** The metric columns in CSV order, with the record field each one reads. */
const metricColumns: Array<[string, keyof MetricRecord]> = [
  ['d_loss', 'dLoss'],
  ['g_loss', 'gLoss'],
  ['d_real', 'dReal'],
  ['d_fake', 'dFake'],
  ['grad_norm_g', 'gradNormG'],
  ['grad_norm_d', 'gradNormD'],
  ['leak_norm', 'leakNorm'],
  ['lr_g', 'lrG'],
  ['lr_d', 'lrD'],
  ['seconds', 'seconds'],
]

/**
 * Formats one CSV field as RFC 4180 specifies: fields holding a comma, a double quote, CR or LF are
 * enclosed in double quotes, with each inner quote doubled. Null is an empty field, numbers use
 * JavaScript's shortest round-trip form, and infinities are written inf and -inf as pandas reads them.
 */
export function csvField(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return ''
  if (typeof value === 'number') {
    if (value === Infinity) return 'inf'
    if (value === -Infinity) return '-inf'
    return Number.isNaN(value) ? 'nan' : String(value)
  }
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value
}

/** Joins rows into CSV text with CRLF line ends, as RFC 4180 specifies. */
export function toCsv(rows: ReadonlyArray<ReadonlyArray<string | number | null | undefined>>): string {
  return rows.map((row) => row.map(csvField).join(',')).join('\r\n') + '\r\n'
}

/**
 * Formats one row per step: the step's metrics, any extra metrics (one column per name), and the events at
 * that step as "kind: message" lines in one field. Steps with events but no metrics (step 0, where
 * training starts) get a row with empty metric fields.
 */
export function stepsCsv(metrics: readonly MetricRecord[], events: readonly EventRecord[]): string {
  const extraNames = [...new Set(metrics.flatMap((row) => Object.keys(row.extra ?? {})))].sort()
  const byStep = new Map<number, { metric?: MetricRecord; events: EventRecord[] }>()
  for (const metric of metrics) byStep.set(metric.step, { metric, events: [] })
  for (const event of events) {
    const entry = byStep.get(event.step) ?? { events: [] }
    entry.events.push(event)
    byStep.set(event.step, entry)
  }
  const header = ['step', ...metricColumns.map(([name]) => name), ...extraNames, 'events']
  const rows = [...byStep.entries()]
    .sort(([a], [b]) => a - b)
    .map(([step, { metric, events: stepEvents }]) => [
      step,
      ...metricColumns.map(([, field]) => (metric ? (metric[field] as number | null) : null)),
      ...extraNames.map((name) => metric?.extra?.[name] ?? null),
      stepEvents.length ? stepEvents.map((event) => `${event.kind}: ${event.message}`).join('\n') : null,
    ])
  return toCsv([header, ...rows])
}

/** Formats one row per event, with its data as JSON. */
export function eventsCsv(events: readonly EventRecord[]): string {
  const rows = events.map((event) => [
    event.step,
    event.kind,
    event.message,
    event.data === null || event.data === undefined ? null : JSON.stringify(event.data),
    event.createdAt,
  ])
  return toCsv([['step', 'kind', 'message', 'data', 'created_at'], ...rows])
}

/** Replaces infinities with strings, because JSON has no literal for them. */
function jsonValue(_key: string, value: unknown): unknown {
  if (value === Infinity) return 'inf'
  if (value === -Infinity) return '-inf'
  return value
}

/** Formats the run with its configuration, every metric row and every event as indented JSON. */
export function runJson(run: RunRecord, metrics: readonly MetricRecord[], events: readonly EventRecord[]): string {
  return `${JSON.stringify({ format: 'gan-workbench-run', version: 1, run, metrics, events }, jsonValue, 2)}\n`
}
