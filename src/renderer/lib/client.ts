/**
 * Chooses the transport once at start: the preload's functions inside Electron, a WebSocket to the
 * serving process in a browser (`npm run cli -- serve`).
 */
import type { WorkbenchClient } from '../../shared/contract'
import { ElectronClient, type PreloadBridge } from './electron-client'
import { SocketClient, readToken, socketUrl, type ConnectionState } from './socket-client'

export interface Transport {
  client: WorkbenchClient
  kind: 'electron' | 'browser'
  /** Connection changes; Electron's IPC never drops, so it reports nothing. */
  onStateChange(listener: (state: ConnectionState) => void): () => void
}

function findBridge(): PreloadBridge | null {
  const bridge = (globalThis as { workbench?: unknown }).workbench
  if (typeof bridge === 'object' && bridge !== null && typeof (bridge as PreloadBridge).onEvent === 'function') {
    return bridge as PreloadBridge
  }
  return null
}

export function createTransport(): Transport {
  const bridge = findBridge()
  if (bridge) return { client: new ElectronClient(bridge), kind: 'electron', onStateChange: () => () => {} }

  const token = readToken(location, sessionStorage)
  // The token stays in this tab's storage; removing it from the address bar keeps it out of
  // bookmarks and screenshots.
  if (new URLSearchParams(location.search).has('token')) history.replaceState(null, '', location.pathname + location.hash)
  const socket = new SocketClient(socketUrl(location, token))
  return { client: socket, kind: 'browser', onStateChange: (listener) => socket.onStateChange(listener) }
}

export type { ConnectionState }
