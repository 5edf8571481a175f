export type Interpolation = 'linear' | 'spherical'

/**
 * Interpolates between two noise vectors at t in [0, 1]. `spherical` is slerp, which follows the
 * great circle between the directions of a and b. Its weights are sin((1 - t) w) / sin w and
 * sin(t w) / sin w, where w is the angle between a and b. Intermediate vectors so keep the norm
 * typical of Gaussian noise, which a straight line would shrink. Nearly parallel ends fall back to linear.
 */
export function interpolate(a: Float32Array, b: Float32Array, t: number, kind: Interpolation): Float32Array {
  if (a.length !== b.length) throw new Error(`interpolation needs vectors of one length, got ${a.length} and ${b.length}`)
  let wa = 1 - t
  let wb = t
  if (kind === 'spherical') {
    let dot = 0
    let normA = 0
    let normB = 0
    for (let i = 0; i < a.length; i++) {
      dot += a[i] * b[i]
      normA += a[i] * a[i]
      normB += b[i] * b[i]
    }
    const cosine = Math.min(1, Math.max(-1, dot / Math.sqrt(normA * normB)))
    const omega = Math.acos(cosine)
    const sine = Math.sin(omega)
    if (sine > 1e-6) {
      wa = Math.sin((1 - t) * omega) / sine
      wb = Math.sin(t * omega) / sine
    }
  }
  return Float32Array.from(a, (value, i) => wa * value + wb * b[i])
}

/** `frames` vectors from a to b inclusive, evenly spaced in t. */
export function latentWalk(a: Float32Array, b: Float32Array, frames: number, kind: Interpolation): Float32Array[] {
  if (!Number.isInteger(frames) || frames < 2) throw new RangeError(`a latent walk needs 2 or more frames, got ${frames}`)
  return Array.from({ length: frames }, (_, k) => interpolate(a, b, k / (frames - 1), kind))
}
