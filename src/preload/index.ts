// Runs in the sandboxed renderer before the page. Only the named functions of WorkbenchApi cross into
// the page, so the page can never send on an arbitrary IPC channel.
import { contextBridge, ipcRenderer } from 'electron'
import type { IpcChannel, IpcContract, WorkbenchApi } from './api'

function invoke<C extends IpcChannel>(channel: C, ...args: IpcContract[C]['args']): Promise<IpcContract[C]['result']> {
  return ipcRenderer.invoke(channel, ...args)
}

const api: WorkbenchApi = {
  version: () => invoke('workbench:version'),
  engineInfo: () => invoke('workbench:engine-info'),
}

contextBridge.exposeInMainWorld('workbench', api)
