// Runs in the sandboxed renderer before the page. Only the named functions of WorkbenchApi cross into
// the page, one per contract channel, so the page can never send on an arbitrary IPC channel.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron'
import type { BackendEvent, Channel, Reply } from '../shared/contract'
import type { EngineInfo, WorkbenchApi } from './api'
import { channels, eventIpcChannel, requestIpcChannel } from './channels'

// Main validates the channel and the payload; an invalid one comes back as an INVALID_REQUEST reply.
function request<C extends Channel>(channel: C, payload: unknown): Promise<Reply<C>> {
  return ipcRenderer.invoke(requestIpcChannel, channel, payload ?? {}) as Promise<Reply<C>>
}

type ChannelFunction = (payload?: unknown) => Promise<unknown>

/** Groups the channel functions by the part of the name before the dot: `runs.list` is `runs.list()`. */
function channelGroups(): Record<string, Record<string, ChannelFunction>> {
  const groups: Record<string, Record<string, ChannelFunction>> = {}
  for (const channel of channels) {
    const [group, name] = channel.split('.')
    groups[group] ??= {}
    groups[group][name] = (payload) => request(channel, payload)
  }
  return groups
}

async function appInfo(): Promise<Extract<Reply<'app.info'>, { ok: true }>['result']> {
  const reply = await request('app.info', {})
  if (!reply.ok) throw new Error(`${reply.error.code}: ${reply.error.message}`)
  return reply.result
}

const api = {
  ...channelGroups(),
  onEvent(listener: (event: BackendEvent) => void): () => void {
    const forward = (_event: IpcRendererEvent, data: BackendEvent): void => listener(data)
    ipcRenderer.on(eventIpcChannel, forward)
    return () => {
      ipcRenderer.removeListener(eventIpcChannel, forward)
    }
  },
  version: async () => (await appInfo()).version,
  engineInfo: async (): Promise<EngineInfo> => {
    const info = await appInfo()
    if (!info.backend) return { ok: false, error: info.backendError ?? 'the engine reported no backend' }
    const { name, tfjsBackend, device, tried } = info.backend
    return { ok: true, backend: name, tfjsBackend: tfjsBackend ?? name, device, tried }
  },
} as unknown as WorkbenchApi

contextBridge.exposeInMainWorld('workbench', api)
