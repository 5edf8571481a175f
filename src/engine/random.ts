/**
 * The engine's random number generator. Numbers are drawn in JavaScript from a seeded xoshiro128**
 * generator and uploaded, so that the same seed gives the same numbers on every backend, and a
 * checkpoint can store the generator state (four 32-bit words) and resume the exact sequence.
 */

export type RngState = [number, number, number, number]

/** Expands a seed into generator state with splitmix32, so that nearby seeds give unrelated streams. */
function seedState(seed: number): RngState {
  let x = (Math.floor(seed) >>> 0) ^ Math.floor(seed / 2 ** 32)
  const next = (): number => {
    x = (x + 0x9e3779b9) | 0
    let z = x
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
    return (z ^ (z >>> 16)) >>> 0
  }
  const state: RngState = [next(), next(), next(), next()]
  if (state.every((word) => word === 0)) state[0] = 1
  return state
}

export class Generator {
  private s: RngState

  constructor(seed = Date.now()) {
    this.s = seedState(seed)
  }

  manualSeed(seed: number): this {
    if (!Number.isFinite(seed)) throw new RangeError(`manualSeed expects a finite number, got ${seed}`)
    this.s = seedState(seed)
    return this
  }

  getState(): RngState {
    return [...this.s]
  }

  setState(state: readonly number[]): void {
    if (state.length !== 4 || state.some((word) => !Number.isInteger(word) || word < 0 || word > 0xffffffff)) {
      throw new RangeError(`generator state must be four unsigned 32-bit integers, got ${JSON.stringify(state)}`)
    }
    this.s = [state[0], state[1], state[2], state[3]]
  }

  /** Next unsigned 32-bit integer (xoshiro128**). */
  nextUint32(): number {
    const s = this.s
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0
    const t = s[1] << 9
    s[2] ^= s[0]
    s[3] ^= s[1]
    s[1] ^= s[2]
    s[0] ^= s[3]
    s[2] ^= t
    s[3] = rotl(s[3], 11)
    s[0] >>>= 0
    s[1] >>>= 0
    s[2] >>>= 0
    s[3] >>>= 0
    return result
  }

  /** Uniform float in [0, 1) with 24 random bits, the precision of float32. */
  nextFloat(): number {
    return (this.nextUint32() >>> 8) / 16777216
  }

  fillUniform(out: Float32Array, low = 0, high = 1): Float32Array {
    const span = high - low
    for (let i = 0; i < out.length; i++) out[i] = low + span * this.nextFloat()
    return out
  }

  /** Standard normal samples by the Box-Muller transform, two per pair of uniforms. */
  fillNormal(out: Float32Array, mean = 0, std = 1): Float32Array {
    for (let i = 0; i < out.length; i += 2) {
      const u1 = 1 - this.nextFloat() // (0, 1], so the log is finite
      const u2 = this.nextFloat()
      const radius = Math.sqrt(-2 * Math.log(u1))
      out[i] = mean + std * radius * Math.cos(2 * Math.PI * u2)
      if (i + 1 < out.length) out[i + 1] = mean + std * radius * Math.sin(2 * Math.PI * u2)
    }
    return out
  }

  /** Uniform integer in [0, n). */
  nextInt(n: number): number {
    return Math.floor(this.nextFloat() * n)
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k))
}

/** The default generator, used by every random op unless one is passed. */
export const defaultGenerator = new Generator(0x5eed)

export function manualSeed(seed: number): Generator {
  return defaultGenerator.manualSeed(seed)
}
