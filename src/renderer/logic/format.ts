/** Number and time formats for the UI, in the chosen language's conventions. */

/** Formats a metric value with 4 significant digits, or a dash for a missing one. */
export function formatValue(value: number | null | undefined, locale: string): string {
  if (value === null || value === undefined) return '–'
  if (!Number.isFinite(value)) return String(value)
  if (value !== 0 && (Math.abs(value) < 1e-3 || Math.abs(value) >= 1e6)) return value.toExponential(2)
  return new Intl.NumberFormat(locale, { maximumSignificantDigits: 4 }).format(value)
}

/** Formats a learning rate as people write it: 0.0002 becomes 2e-4, 0.01 stays 0.01. */
export function formatRate(value: number | null | undefined): string {
  if (value === null || value === undefined) return '–'
  if (value !== 0 && Math.abs(value) < 1e-2) {
    const [mantissa, exponent] = value.toExponential().split('e')
    return `${Number(Number(mantissa).toPrecision(3))}e${Number(exponent)}`
  }
  return String(Number(value.toPrecision(3)))
}

export function formatInteger(value: number, locale: string): string {
  return new Intl.NumberFormat(locale, { maximumFractionDigits: 0 }).format(value)
}

/** Seconds as h:mm:ss or m:ss. */
export function formatDuration(seconds: number): string {
  const total = Math.max(0, Math.round(seconds))
  const h = Math.floor(total / 3600)
  const m = Math.floor((total % 3600) / 60)
  const s = total % 60
  const pad = (n: number): string => String(n).padStart(2, '0')
  return h > 0 ? `${h}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}`
}

export function formatDateTime(iso: string, locale: string): string {
  const date = new Date(iso)
  if (Number.isNaN(date.getTime())) return iso
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(date)
}
