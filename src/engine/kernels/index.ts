import type { Kernels, KernelName } from './types'
import { tfjsKernels } from './tfjs'

export type { Conv2dOptions, Kernels, KernelName } from './types'
/** The tfjs kernels, which serve every kernel no provider overrides; a provider may fall back to them. */
export const defaultKernels: Readonly<Kernels> = tfjsKernels

export interface KernelProvider {
  /** Shown by `getBackend()` beside the tfjs backend, for example "onnxruntime 1.31.1 (2 threads)". */
  name: string
  kernels: Partial<Kernels>
}

const providers: KernelProvider[] = []

/**
 * The kernel table the ops call. Each entry is the latest registered provider's kernel of that
 * name, or the tfjs kernel. Rebuilt on every registration, so a call costs one property lookup.
 */
export const K: Kernels = { ...tfjsKernels }

function rebuild(): void {
  Object.assign(K, tfjsKernels)
  for (const provider of providers) Object.assign(K, provider.kernels)
}

/** Routes the kernels a provider implements to it; the autograd code does not change. */
export function registerKernelProvider(provider: KernelProvider): void {
  providers.push(provider)
  rebuild()
}

export function removeKernelProvider(name: string): void {
  const index = providers.findIndex((provider) => provider.name === name)
  if (index >= 0) providers.splice(index, 1)
  rebuild()
}

/** Names of the kernels each registered provider serves, for diagnostics. */
export function kernelProviders(): Array<{ name: string; kernels: KernelName[] }> {
  return providers.map((provider) => ({ name: provider.name, kernels: Object.keys(provider.kernels) as KernelName[] }))
}
