/** Live training speed: steps per second over the last few seconds of metric messages. */

export const rateWindowMs = 10_000

export class StepRate {
  private readonly samples: Array<{ step: number; time: number }> = []

  /** Records that training reached `step` at `time` (milliseconds, e.g. performance.now()). */
  record(step: number, time: number): void {
    const last = this.samples.at(-1)
    if (last && step <= last.step) return
    this.samples.push({ step, time })
    while (this.samples.length > 2 && time - this.samples[0].time > rateWindowMs) this.samples.shift()
  }

  /** Steps per second between the oldest and newest sample in the window; null with under two samples. */
  perSecond(): number | null {
    if (this.samples.length < 2) return null
    const first = this.samples[0]
    const last = this.samples[this.samples.length - 1]
    const seconds = (last.time - first.time) / 1000
    return seconds > 0 ? (last.step - first.step) / seconds : null
  }

  /** Forgets the history, after a pause, so idle time does not lower the rate. */
  reset(): void {
    this.samples.length = 0
  }
}
