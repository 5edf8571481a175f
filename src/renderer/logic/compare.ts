/**
 * The pure parts of comparing runs: settings flattened to dotted keys and the keys whose values
 * differ, the stored step nearest to a requested one, and a forked run's metrics continued from its
 * parent's.
 */
import type { Metric } from '../../shared/contract'

/**
 * Flattens a configuration into dotted keys (`optimizerG.lr`). Arrays stay whole values, because a
 * pair such as Adam's betas reads best as one setting.
 */
export function flattenConfig(config: Record<string, unknown>, prefix = ''): Map<string, unknown> {
  const flat = new Map<string, unknown>()
  for (const [key, value] of Object.entries(config)) {
    const path = prefix ? `${prefix}.${key}` : key
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      for (const [inner, innerValue] of flattenConfig(value as Record<string, unknown>, path)) flat.set(inner, innerValue)
    } else {
      flat.set(path, value)
    }
  }
  return flat
}

export interface SettingRow {
  key: string
  /** One value per run, in the order of the runs; undefined where a run's config lacks the key. */
  values: unknown[]
  differs: boolean
}

const sameValue = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b)

/** Lines up the runs' settings by dotted key, sorted by key, and marks the keys whose values differ. */
export function settingRows(configs: ReadonlyArray<Record<string, unknown>>): SettingRow[] {
  const flats = configs.map((config) => flattenConfig(config))
  const keys = [...new Set(flats.flatMap((flat) => [...flat.keys()]))].sort()
  return keys.map((key) => {
    const values = flats.map((flat) => flat.get(key))
    return { key, values, differs: values.some((value) => !sameValue(value, values[0])) }
  })
}

/**
 * Returns the step in `steps` nearest to `target`, the earlier one on a tie, or null when there are
 * none. `steps` must be sorted ascending, as RunDetail.gridSteps is.
 */
export function nearestStep(steps: readonly number[], target: number): number | null {
  if (steps.length === 0) return null
  let low = 0
  let high = steps.length - 1
  while (low < high) {
    const middle = (low + high) >> 1
    if (steps[middle] < target) low = middle + 1
    else high = middle
  }
  // `low` is the first step >= target (or the last step); the one before it may be nearer.
  if (low > 0 && target - steps[low - 1] <= Math.abs(steps[low] - target)) return steps[low - 1]
  return steps[low]
}

/**
 * Continues a forked run's metrics from its parent's: the parent's rows up to and including
 * `parentStep`, then the fork's own rows after that step. A fork resumes from the parent's
 * checkpoint at `parentStep`, so its steps continue the parent's numbering.
 */
export function stitchParent(parentRows: readonly Metric[], parentStep: number, ownRows: readonly Metric[]): Metric[] {
  const before = parentRows.filter((row) => row.step <= parentStep)
  const after = ownRows.filter((row) => row.step > parentStep)
  return [...before, ...after]
}

/** The range a shared step slider covers: from the smallest to the largest stored step of all runs. */
export function stepRange(stepLists: ReadonlyArray<readonly number[]>): { min: number; max: number } | null {
  const all = stepLists.flat()
  if (all.length === 0) return null
  return { min: Math.min(...all), max: Math.max(...all) }
}

/**
 * Per-pixel absolute difference of two RGBA images of the same size, with alpha set opaque so that
 * equal pixels show black. (H * W * 4) in, (H * W * 4) out.
 */
export function absoluteDifference(a: ArrayLike<number>, b: ArrayLike<number>): Uint8ClampedArray<ArrayBuffer> {
  if (a.length !== b.length) {
    throw new RangeError(`cannot subtract images of ${a.length / 4} and ${b.length / 4} pixels; the two grids must have the same size`)
  }
  const out = new Uint8ClampedArray(a.length)
  for (let i = 0; i < a.length; i += 4) {
    out[i] = Math.abs(a[i] - b[i])
    out[i + 1] = Math.abs(a[i + 1] - b[i + 1])
    out[i + 2] = Math.abs(a[i + 2] - b[i + 2])
    out[i + 3] = 255
  }
  return out
}
