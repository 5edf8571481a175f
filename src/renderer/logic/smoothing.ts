/**
 * Exponential moving average with the start debiased as TensorBoard's scalar dashboard does: the
 * average starts at 0, so after t values it is divided by 1 - weight^t. Without that the first
 * points of a smoothed curve are pulled toward zero.
 */
import type { Point } from './series'

export class DebiasedEma {
  private biased = 0
  private count = 0

  /** `weight` is the smoothing slider's value in [0, 1): 0 keeps the values, 0.99 smooths heavily. */
  constructor(readonly weight: number) {
    if (!(weight >= 0 && weight < 1)) throw new RangeError(`smoothing weight must be in [0, 1), got ${weight}`)
  }

  /** Adds a value and returns the smoothed value at it. */
  push(value: number): number {
    this.count++
    this.biased = this.weight * this.biased + (1 - this.weight) * value
    return this.biased / (1 - this.weight ** this.count)
  }
}

/** A smoothed copy of a point series that grows as the raw series grows. */
export class SmoothedSeries {
  readonly points: Point[] = []
  private ema: DebiasedEma

  constructor(weight: number) {
    this.ema = new DebiasedEma(weight)
  }

  /** Smooths the raw points this series has not seen yet (those past its own length). */
  extend(raw: readonly Point[]): void {
    for (let i = this.points.length; i < raw.length; i++) {
      this.points.push({ x: raw[i].x, y: this.ema.push(raw[i].y) })
    }
  }
}

export function smoothPoints(raw: readonly Point[], weight: number): Point[] {
  const series = new SmoothedSeries(weight)
  series.extend(raw)
  return series.points
}
