/**
 * The desktop transport: the preload exposes one function per channel as
 * `window.workbench.<group>.<name>(payload)` (channel 'runs.list' is `workbench.runs.list`) and
 * `window.workbench.onEvent(listener)`.
 */
import type { BackendEvent, Channel, ErrorReply, RequestOf, Results, WorkbenchClient } from '../../shared/contract'
import { BackendError } from './errors'

type ChannelFunction = (payload: unknown) => Promise<unknown>

export interface PreloadBridge {
  onEvent(listener: (event: BackendEvent) => void): (() => void) | void
  [group: string]: unknown
}

function isErrorReply(value: unknown): value is ErrorReply {
  return typeof value === 'object' && value !== null && typeof (value as ErrorReply).code === 'string' && typeof (value as ErrorReply).message === 'string'
}

/**
 * Unwraps what a preload function returned: the result itself or the whole `Reply`
 * (`{ ok, result | error }`). Results such as `{ ok: true }` have no `result` key, so only an object
 * with `ok: true` and a `result` key counts as a wrapped reply.
 */
export function unwrapReply(channel: string, value: unknown): unknown {
  if (typeof value === 'object' && value !== null && 'ok' in value) {
    const reply = value as { ok: unknown; result?: unknown; error?: unknown }
    if (reply.ok === false && isErrorReply(reply.error)) throw new BackendError(channel, reply.error)
    if (reply.ok === true && 'result' in reply) return reply.result
  }
  return value
}

/**
 * Electron passes only an Error's message across IPC, so a preload that rethrows an ErrorReply arrives
 * as text. The message is kept, and the code becomes FAILED unless the text contains the reply as JSON.
 */
function toBackendError(channel: string, error: unknown): BackendError {
  if (error instanceof BackendError) return error
  const text = error instanceof Error ? error.message : String(error)
  const json = text.indexOf('{')
  if (json >= 0) {
    try {
      const parsed: unknown = JSON.parse(text.slice(json))
      if (isErrorReply(parsed)) return new BackendError(channel, parsed)
    } catch {
      // Not JSON: keep the text below.
    }
  }
  return new BackendError(channel, { code: 'FAILED', message: text })
}

export class ElectronClient implements WorkbenchClient {
  constructor(private readonly bridge: PreloadBridge) {}

  async call<C extends Channel>(channel: C, payload: RequestOf<C>): Promise<Results[C]> {
    const [group, name] = channel.split('.')
    const functions = this.bridge[group] as Record<string, ChannelFunction> | undefined
    const send = functions?.[name]
    if (typeof send !== 'function') {
      throw new BackendError(channel, {
        code: 'UNKNOWN_CHANNEL',
        message: `the preload exposes no window.workbench.${group}.${name}; rebuild the app so the preload and the page match`,
      })
    }
    let value: unknown
    try {
      value = await send(payload)
    } catch (error) {
      throw toBackendError(channel, error)
    }
    return unwrapReply(channel, value) as Results[C]
  }

  subscribe(listener: (event: BackendEvent) => void): () => void {
    const unsubscribe = this.bridge.onEvent(listener)
    return typeof unsubscribe === 'function' ? unsubscribe : () => {}
  }
}
