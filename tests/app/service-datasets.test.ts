// The dataset channels of AppService: listing, inspection, the native chooser and downloads from a
// file server on 127.0.0.1 (GANWB_DOWNLOAD_BASE_URL points the downloads at it).
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { BackendEvent } from '../../src/shared/contract'
import type { AppService } from '../../src/main/app/service'
import { DOWNLOAD_BASE_URL_ENV } from '../../src/main/datasets'
import type { RunStore } from '../../src/main/store/run-store'
import { FASHION_DIR } from '../datasets/helpers'
import { TestServer } from '../datasets/server'
import { createService, failure, ok, useTempDataDir, waitForEvent } from './helpers'

type Progress = Extract<BackendEvent, { type: 'dataset.progress' }>

const temp = useTempDataDir('ganwb-service-datasets-')
const files = new TestServer()
let service: AppService
let store: RunStore
let events: BackendEvent[]

beforeAll(async () => {
  await files.start()
  process.env[DOWNLOAD_BASE_URL_ENV] = files.url
  ;({ service, store, events } = createService(temp.dir))
})

afterAll(async () => {
  delete process.env[DOWNLOAD_BASE_URL_ENV]
  await service.dispose()
  store.close()
  await files.stop()
  temp.remove()
})

const finished = (name: string) => (event: BackendEvent): event is Progress =>
  event.type === 'dataset.progress' && event.name === name && event.done

describe('AppService datasets', () => {
  it('lists built-in and downloadable sets', async () => {
    const list = await ok(service, 'datasets.list', {})
    expect(list.find((entry) => entry.name === 'digits')).toEqual({
      name: 'digits', ref: 'digits', origin: 'built-in', kind: 'image', count: 10_000, shape: [1, 28, 28], classes: 10,
    })
    expect(list.find((entry) => entry.name === 'ring8')).toMatchObject({ origin: 'built-in', kind: 'points', shape: [2], classes: null })
    expect(list.find((entry) => entry.name === 'mnist')).toMatchObject({ origin: 'downloadable', shape: [1, 28, 28], classes: 10 })
    expect(list.find((entry) => entry.name === 'cifar10')).toMatchObject({ origin: 'downloadable', shape: [3, 32, 32], classes: 10 })
  })

  it('inspects a set by ref', async () => {
    const summary = await ok(service, 'datasets.inspect', { ref: 'ring8' })
    expect(summary).toMatchObject({ name: 'ring8', kind: 'points', format: 'toy', shape: [2] })
    const missing = await failure(service, 'datasets.inspect', { ref: join(temp.dir, 'no-such-folder') })
    expect(missing.code).toBe('NOT_FOUND')
    expect(missing.message).toContain('no-such-folder')
  })

  it('choose needs a native dialog', async () => {
    expect(await ok(service, 'datasets.choose', { kind: 'folder' })).toEqual({ supported: false, path: null })
    const kinds: string[] = []
    const desktop = createService(temp.dir, { store, chooser: async (kind) => (kinds.push(kind), '/data/set') })
    expect(await ok(desktop.service, 'datasets.choose', { kind: 'file' })).toEqual({ supported: true, path: '/data/set' })
    expect(kinds).toEqual(['file'])
  })

  it('downloads with progress events', async () => {
    for (const name of readdirSync(FASHION_DIR)) files.serve(`/fashion-mnist/${name}`, readFileSync(join(FASHION_DIR, name)))
    expect(await ok(service, 'datasets.download', { name: 'fashion-mnist' })).toEqual({ started: true })
    const busy = await failure(service, 'datasets.download', { name: 'fashion-mnist' })
    expect(busy.code).toBe('CONFLICT')

    const done = await waitForEvent(service, events, finished('fashion-mnist'))
    expect(done).toMatchObject({ fraction: 1, done: true })
    expect(done.error).toBeUndefined()
    const progress = events.filter((event): event is Progress => event.type === 'dataset.progress' && !event.done)
    expect(progress.length).toBeGreaterThan(0)
    expect(progress.every((event) => event.fraction >= 0 && event.fraction <= 1)).toBe(true)
    const list = await ok(service, 'datasets.list', {})
    expect(list.find((entry) => entry.name === 'fashion-mnist' && entry.ref === 'fashion-mnist')?.origin).toBe('downloaded')
  })

  it('reports a failed download', async () => {
    // The server has no MNIST files, so the first request gets a 404.
    await ok(service, 'datasets.download', { name: 'mnist' })
    const done = await waitForEvent(service, events, finished('mnist'))
    expect(done.error).toMatch(/404/)
    expect(done.message).toBe('Download of mnist failed')
    const list = await ok(service, 'datasets.list', {})
    expect(list.find((entry) => entry.name === 'mnist')?.origin).toBe('downloadable')
  })

  it('rejects an unknown set name', async () => {
    const error = await failure(service, 'datasets.download', { name: 'imagenet' })
    expect(error.code).toBe('INVALID_REQUEST')
    expect(error.issues?.[0].path).toBe('name')
  })
})
