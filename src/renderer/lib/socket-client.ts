/**
 * The browser transport: one WebSocket to the `cli serve` process that served the page. Requests are
 * `{ id, channel, payload }`, replies `{ id, ok, result | error }`, pushed events `{ event }`. The
 * socket reconnects with growing delays after it drops, and calls made while it is down wait for it.
 */
import type { BackendEvent, Channel, ErrorReply, RequestOf, Results, WorkbenchClient } from '../../shared/contract'
import { BackendError } from './errors'

export type ConnectionState = 'connecting' | 'open' | 'closed'

interface Pending {
  channel: string
  message: string
  /** False while the request waits for the socket to open. */
  sent: boolean
  resolve: (value: unknown) => void
  reject: (error: Error) => void
}

type ServerMessage =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: ErrorReply }
  | { event: BackendEvent }

const tokenKey = 'ganwb.token'
const firstRetryMs = 500
const maxRetryMs = 5000

/**
 * Reads the access token from `?token=` (the URL `serve` prints) and keeps it for this tab, so a
 * reload after the token was removed from the address bar still connects.
 */
export function readToken(location: Location, storage: Storage): string | null {
  const fromUrl = new URLSearchParams(location.search).get('token')
  if (fromUrl) {
    storage.setItem(tokenKey, fromUrl)
    return fromUrl
  }
  return storage.getItem(tokenKey)
}

export function socketUrl(location: Location, token: string | null): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:'
  const query = token ? `?token=${encodeURIComponent(token)}` : ''
  return `${scheme}//${location.host}/ws${query}`
}

export class SocketClient implements WorkbenchClient {
  private socket: WebSocket | null = null
  private nextId = 1
  /** Requests without a reply, in the order they were made (a Map keeps insertion order). */
  private readonly pending = new Map<number, Pending>()
  private readonly listeners = new Set<(event: BackendEvent) => void>()
  private readonly stateListeners = new Set<(state: ConnectionState) => void>()
  private retryMs = firstRetryMs
  private closedByUs = false
  state: ConnectionState = 'connecting'

  constructor(private readonly url: string) {
    this.connect()
  }

  call<C extends Channel>(channel: C, payload: RequestOf<C>): Promise<Results[C]> {
    const id = this.nextId++
    const message = JSON.stringify({ id, channel, payload })
    return new Promise<Results[C]>((resolve, reject) => {
      const open = this.socket?.readyState === WebSocket.OPEN
      this.pending.set(id, { channel, message, sent: open, resolve: resolve as (value: unknown) => void, reject })
      if (open) this.socket?.send(message)
    })
  }

  subscribe(listener: (event: BackendEvent) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** Calls `listener` on every change of the connection, for a banner and for refetching after a drop. */
  onStateChange(listener: (state: ConnectionState) => void): () => void {
    this.stateListeners.add(listener)
    return () => this.stateListeners.delete(listener)
  }

  close(): void {
    this.closedByUs = true
    this.socket?.close()
  }

  private setState(state: ConnectionState): void {
    this.state = state
    for (const listener of this.stateListeners) listener(state)
  }

  private connect(): void {
    this.setState('connecting')
    const socket = new WebSocket(this.url)
    this.socket = socket
    socket.addEventListener('open', () => {
      this.retryMs = firstRetryMs
      this.setState('open')
      for (const request of this.pending.values()) {
        if (request.sent) continue
        socket.send(request.message)
        request.sent = true
      }
    })
    socket.addEventListener('message', (message) => this.receive(message.data))
    socket.addEventListener('close', () => {
      // A request sent on the dropped socket gets no reply: fail it, so its caller can show why.
      for (const [id, request] of this.pending) {
        if (!request.sent) continue
        this.pending.delete(id)
        request.reject(
          new BackendError(request.channel, {
            code: 'FAILED',
            message: `the connection to the server closed before it answered ${request.channel}; the request may or may not have run`,
          }),
        )
      }
      this.socket = null
      this.setState('closed')
      if (this.closedByUs) return
      setTimeout(() => this.connect(), this.retryMs)
      this.retryMs = Math.min(maxRetryMs, this.retryMs * 2)
    })
  }

  private receive(data: unknown): void {
    if (typeof data !== 'string') return
    let message: ServerMessage
    try {
      message = JSON.parse(data) as ServerMessage
    } catch {
      console.warn('ignored a server message that is not JSON:', data.slice(0, 200))
      return
    }
    if ('event' in message) {
      for (const listener of this.listeners) listener(message.event)
      return
    }
    const request = this.pending.get(message.id)
    if (!request) return
    this.pending.delete(message.id)
    if (message.ok) request.resolve(message.result)
    else request.reject(new BackendError(request.channel, message.error))
  }
}
