/**
 * Every request channel of the contract, as a runtime list. The preload builds one function per
 * channel from it without importing the zod schemas, which would put zod into the sandboxed preload.
 */
import type { Channel } from '../shared/contract'

export const channels = [
  'app.info',
  'config.defaults',
  'datasets.list',
  'datasets.inspect',
  'datasets.choose',
  'datasets.download',
  'runs.list',
  'runs.get',
  'runs.metrics',
  'runs.sample',
  'runs.update',
  'runs.delete',
  'runs.export',
  'training.start',
  'training.control',
  'training.set',
  'training.resume',
  'training.fork',
] as const satisfies readonly Channel[]

// Fails to compile when the contract gains a channel that the list above lacks.
type MissingChannel = Exclude<Channel, (typeof channels)[number]>
export const listsEveryChannel: [MissingChannel] extends [never] ? true : MissingChannel = true

/** The IPC channel that carries every request as (channel, payload) and returns a Reply. */
export const requestIpcChannel = 'workbench:request'
/** The IPC channel on which main pushes BackendEvents to every window. */
export const eventIpcChannel = 'workbench:event'
