import * as torch from '../../engine'
import type { Tensor } from '../../engine'
import { decodeSafetensors, encodeSafetensors, type NamedArray } from '../serialization/safetensors'
import type { GanTrainer, LiveSettings } from './trainer'

/** Everything needed to continue a run exactly: weights, optimizer state, live settings and RNG state. */
export interface CheckpointPayload {
  step: number
  generator: Buffer
  discriminator: Buffer
  optimizers: Buffer
  state: CheckpointState
}

export interface CheckpointState {
  step: number
  settings: LiveSettings
  rng: number[]
  sampler: unknown
  /** Per optimizer: its groups' hyperparameters and the number-valued state (`step`) of each parameter. */
  optimizers: Array<{
    paramGroups: Array<Record<string, unknown>>
    scalars: Record<string, Record<string, number>>
  }>
}

export function tensorToArray(tensor: Tensor): NamedArray {
  const values = tensor.toArray()
  if (tensor.dtype === 'float32') return { dtype: 'F32', shape: tensor.shape, data: values as Float32Array }
  if (tensor.dtype === 'int32') return { dtype: 'I32', shape: tensor.shape, data: values as Int32Array }
  return { dtype: 'U8', shape: tensor.shape, data: Uint8Array.from(values) }
}

export function arrayToTensor(array: NamedArray): Tensor {
  if (array.dtype === 'F32') return torch.tensor(array.data as Float32Array, { shape: array.shape })
  if (array.dtype === 'I32') return torch.tensor(array.data as Int32Array, { shape: array.shape, dtype: 'int32' })
  if (array.dtype === 'I64') {
    return torch.tensor(Int32Array.from(array.data as BigInt64Array, (v) => Number(v)), { shape: array.shape, dtype: 'int32' })
  }
  return torch.tensor(Float32Array.from(array.data as ArrayLike<number>), { shape: array.shape })
}

/** Encodes a module's stateDict as safetensors. */
export function encodeStateDict(module: torch.nn.Module, metadata: Record<string, string> = {}): Buffer {
  const arrays: Record<string, NamedArray> = {}
  for (const [name, tensor] of Object.entries(module.stateDict())) arrays[name] = tensorToArray(tensor)
  return encodeSafetensors(arrays, metadata)
}

/** Loads safetensors weights into a module (strict: every key must match). */
export function loadStateDictFrom(module: torch.nn.Module, buffer: Uint8Array, source: string): void {
  const { tensors } = decodeSafetensors(buffer, source)
  torch.scope(() => {
    const dict: Record<string, Tensor> = {}
    for (const [name, array] of Object.entries(tensors)) dict[name] = arrayToTensor(array)
    module.loadStateDict(dict)
  })
}

export function captureCheckpoint(trainer: GanTrainer, samplerState: unknown): CheckpointPayload {
  const tensors: Record<string, NamedArray> = {}
  const optimizers: CheckpointState['optimizers'] = trainer.optimizers.list.map((optimizer, o) => {
    const dict = optimizer.stateDict()
    const scalars: Record<string, Record<string, number>> = {}
    for (const [index, state] of Object.entries(dict.state)) {
      for (const [key, value] of Object.entries(state)) {
        if (typeof value === 'number') (scalars[index] ??= {})[key] = value
        else tensors[`${o}.${index}.${key}`] = tensorToArray(value)
      }
    }
    return { paramGroups: dict.paramGroups as Array<Record<string, unknown>>, scalars }
  })
  return {
    step: trainer.step,
    generator: encodeStateDict(trainer.G),
    discriminator: encodeStateDict(trainer.D),
    optimizers: encodeSafetensors(tensors),
    state: {
      step: trainer.step,
      settings: { ...trainer.settings },
      rng: trainer.generator.getState(),
      sampler: samplerState,
      optimizers,
    },
  }
}

/**
 * Restores a checkpoint into a freshly built trainer: weights, optimizer state, the engine's RNG and
 * the live settings. `applySettings` false keeps the trainer's own settings (a fork with new ones).
 */
export function restoreCheckpoint(trainer: GanTrainer, payload: CheckpointPayload, applySettings = true): void {
  loadStateDictFrom(trainer.G, payload.generator, `generator weights at step ${payload.step}`)
  loadStateDictFrom(trainer.D, payload.discriminator, `discriminator weights at step ${payload.step}`)
  const { tensors } = decodeSafetensors(payload.optimizers, `optimizer state at step ${payload.step}`)
  const saved = payload.state.optimizers
  if (saved.length !== trainer.optimizers.list.length) {
    throw new Error(
      `the checkpoint at step ${payload.step} has ${saved.length} optimizer(s) but this run uses ${trainer.optimizers.list.length}; ` +
        'a fork cannot change the optimizer grouping',
    )
  }
  trainer.optimizers.list.forEach((optimizer, o) => {
    torch.scope(() => {
      const state: Record<number, Record<string, Tensor | number>> = {}
      for (const [index, values] of Object.entries(saved[o].scalars)) state[Number(index)] = { ...values }
      for (const [name, array] of Object.entries(tensors)) {
        const [owner, index, key] = name.split('.')
        if (Number(owner) !== o) continue
        ;(state[Number(index)] ??= {})[key] = arrayToTensor(array)
      }
      const current = optimizer.stateDict()
      // Keep the run's own hyperparameters when forking with new settings; take the saved ones to resume.
      const paramGroups = applySettings
        ? saved[o].paramGroups.map((group, g) => ({ ...group, params: current.paramGroups[g].params }))
        : current.paramGroups
      optimizer.loadStateDict({ state, paramGroups } as never)
    })
  })
  trainer.generator.setState(payload.state.rng)
  trainer.sampler.setState(payload.state.sampler)
  trainer.step = payload.state.step
  if (applySettings) {
    trainer.setLearningRates({ g: payload.state.settings.lrG, d: payload.state.settings.lrD })
    trainer.setRatio({ dSteps: payload.state.settings.dSteps, gSteps: payload.state.settings.gSteps })
  }
}
