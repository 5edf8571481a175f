import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { BackendEvent, Channel, ErrorReply, Reply, RequestOf, Results } from '../../src/shared/contract'
import { AppService } from '../../src/main/app/service'
import { memoryLogger } from '../../src/main/app/log'
import { RunStore } from '../../src/main/store/run-store'

/** Creates a temporary app data folder and sets GANWB_DATA_DIR to it, so nothing reaches the real home folder. */
export function useTempDataDir(prefix: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  process.env.GANWB_DATA_DIR = dir
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

/** Creates an AppService on a fresh run database in `dir` and records every event it pushes. */
export function createService(dir: string, options: Partial<ConstructorParameters<typeof AppService>[0]> = {}) {
  const databasePath = join(dir, 'runs.sqlite')
  const store = options.store ?? new RunStore(databasePath)
  const log = memoryLogger()
  const service = new AppService({
    store,
    dataDir: dir,
    databasePath,
    transport: 'browser',
    version: '0.0.0-test',
    session: { emitIntervalMs: 20 },
    log,
    ...options,
  })
  const events: BackendEvent[] = []
  service.subscribe((event) => events.push(event))
  return { service, store, events, log }
}

export async function call<C extends Channel>(service: AppService, channel: C, payload: RequestOf<C> | Record<string, unknown>): Promise<Reply<C>> {
  return (await service.handle(channel, payload)) as Reply<C>
}

/** Calls a channel that must succeed and returns its result, failing with the error reply otherwise. */
export async function ok<C extends Channel>(service: AppService, channel: C, payload: RequestOf<C> | Record<string, unknown>): Promise<Results[C]> {
  const reply = await call(service, channel, payload)
  if (!reply.ok) throw new Error(`${channel} failed: ${reply.error.code}: ${reply.error.message}`)
  return reply.result
}

/** Calls a channel that must fail and returns its error. */
export async function failure(service: AppService, channel: Channel, payload: unknown): Promise<ErrorReply> {
  const reply = await service.handle(channel, payload)
  if (reply.ok) throw new Error(`${channel} succeeded with ${JSON.stringify(reply.result).slice(0, 200)}, expected an error`)
  return reply.error
}

/**
 * Resolves with the first recorded event, past or future, that matches; rejects after `timeoutMs`
 * with the kinds of the last events, which show where a stuck run stopped.
 */
export function waitForEvent<T extends BackendEvent>(
  service: AppService,
  events: BackendEvent[],
  match: (event: BackendEvent) => event is T,
  timeoutMs?: number,
): Promise<T>
export function waitForEvent(service: AppService, events: BackendEvent[], match: (event: BackendEvent) => boolean, timeoutMs?: number): Promise<BackendEvent>
export function waitForEvent(service: AppService, events: BackendEvent[], match: (event: BackendEvent) => boolean, timeoutMs = 60_000): Promise<BackendEvent> {
  const seen = events.find(match)
  if (seen) return Promise.resolve(seen)
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe()
      const kinds = events.slice(-10).map((event) => event.type)
      reject(new Error(`no matching event within ${timeoutMs} ms; the last events were ${kinds.join(', ') || 'none'}`))
    }, timeoutMs)
    const unsubscribe = service.subscribe((event) => {
      if (!match(event)) return
      clearTimeout(timer)
      unsubscribe()
      resolve(event)
    })
  })
}

export const toyConfig = { dataset: 'ring8', model: { preset: 'mlp', width: 16, latentDim: 4 }, steps: 30 }
