// The browser transport on 127.0.0.1: token checks, static files, security headers, and the
// contract over a WebSocket, served from a small hand-made renderer folder.
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import type { BackendEvent } from '../../src/shared/contract'
import { contentSecurityPolicy } from '../../src/main/csp'
import type { AppService } from '../../src/main/app/service'
import { maxMessageBytes, parseMessage } from '../../src/main/serve/messages'
import { startServer, type RunningServer } from '../../src/main/serve/server'
import type { RunStore } from '../../src/main/store/run-store'
import { createService, toyConfig, useTempDataDir } from './helpers'

const temp = useTempDataDir('ganwb-server-')
const rendererDir = join(temp.dir, 'renderer')
const secret = 'outside the renderer folder'
let service: AppService
let store: RunStore
let server: RunningServer

beforeAll(async () => {
  mkdirSync(join(rendererDir, 'assets', 'sub'), { recursive: true })
  const meta = `<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy('production', 'meta')}">`
  writeFileSync(join(rendererDir, 'index.html'), `<!doctype html><html><head>${meta}</head><body>test page<script src="./assets/app.js"></script></body></html>`)
  writeFileSync(join(rendererDir, 'assets', 'app.js'), 'console.log("app")\n')
  writeFileSync(join(temp.dir, 'secret.txt'), secret)
  symlinkSync(join(temp.dir, 'secret.txt'), join(rendererDir, 'link.txt'))
  ;({ service, store } = createService(temp.dir, { engineInfo: async () => ({ ok: false, error: 'not started in this test' }) }))
  server = await startServer({ port: 0, service, rendererDir, log: { info() {}, warn() {}, error() {} } })
})

afterAll(async () => {
  await server?.close()
  await service.dispose()
  store.close()
  temp.remove()
})

interface Response {
  status: number
  headers: IncomingHttpHeaders
  body: string
}

/** Sends a request with the path exactly as given (no URL normalisation), as an attacker could. */
function get(path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: server.port, path, method, headers }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }))
    })
    req.on('error', reject)
    req.end()
  })
}

const bearer = (): Record<string, string> => ({ Authorization: `Bearer ${server.token}` })
const cookie = (): Record<string, string> => ({ Cookie: `other=1; ganwb_token=${server.token}` })

describe('serve over HTTP', () => {
  it('listens on 127.0.0.1 with a token', () => {
    expect(server.host).toBe('127.0.0.1')
    expect(server.token).toMatch(/^[0-9a-f]{64}$/)
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/?token=${server.token}`)
  })

  it('returns 401 without the token', async () => {
    const attempts: Array<[string, Record<string, string>]> = [
      ['/', {}],
      ['/index.html', {}],
      ['/assets/app.js', {}],
      ['/../secret.txt', {}],
      ['/?token=wrong', {}],
      [`/?token=${server.token.slice(0, -1)}`, {}],
      ['/', { Authorization: 'Bearer wrong' }],
      ['/', { Authorization: server.token }],
      ['/', { Cookie: 'ganwb_token=wrong' }],
    ]
    for (const [path, headers] of attempts) {
      const response = await get(path, headers)
      expect(response.status, path).toBe(401)
      expect(response.body, path).not.toContain('test page')
      expect(response.headers['set-cookie'], path).toBeUndefined()
      expect(response.headers['x-content-type-options'], path).toBe('nosniff')
    }
  })

  it('moves the query token into a cookie', async () => {
    const response = await get(`/?token=${server.token}`)
    expect(response.status).toBe(303)
    expect(response.headers.location).toBe('/')
    expect(response.headers['set-cookie']).toEqual([`ganwb_token=${server.token}; Path=/; HttpOnly; SameSite=Strict`])
    const deep = await get(`/index.html?lang=zh&token=${server.token}`)
    expect(deep.headers.location).toBe('/index.html?lang=zh')
  })

  it('serves index.html with the CSP', async () => {
    const response = await get('/', cookie())
    expect(response.status).toBe(200)
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8')
    expect(response.body).toContain('test page')
    const websocket = `ws://127.0.0.1:${server.port}`
    expect(response.headers['content-security-policy']).toBe(contentSecurityPolicy('production', 'header', { connectSources: [websocket] }))
    expect(response.headers['content-security-policy']).toContain(`connect-src 'self' ${websocket};`)
    expect(response.headers['x-content-type-options']).toBe('nosniff')
    // The meta tag applies as well, so it must allow the WebSocket too.
    expect(response.body).toContain(`content="${contentSecurityPolicy('production', 'meta', { connectSources: [websocket] })}"`)
  })

  it('accepts a bearer token', async () => {
    const response = await get('/assets/app.js', bearer())
    expect(response.status).toBe(200)
    expect(response.headers['content-type']).toBe('text/javascript; charset=utf-8')
    expect(response.body).toBe('console.log("app")\n')
    const head = await get('/assets/app.js', bearer(), 'HEAD')
    expect(head.status).toBe(200)
    expect(head.body).toBe('')
  })

  it('rejects path traversal', async () => {
    const paths = [
      '/../secret.txt',
      '/assets/../../secret.txt',
      '/%2e%2e/secret.txt',
      '/..%2fsecret.txt',
      '/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
      '/..%5csecret.txt',
      '/link.txt',
      `/${'%2e%2e/'.repeat(10)}etc/passwd`,
      '/%00',
      '/%E0%A4%A',
    ]
    for (const path of paths) {
      const response = await get(path, bearer())
      expect([400, 404], path).toContain(response.status)
      expect(response.body, path).not.toContain(secret)
      expect(response.body, path).not.toContain('root:')
    }
  })

  it('lists no folders', async () => {
    for (const path of ['/assets', '/assets/', '/assets/sub/']) {
      const response = await get(path, bearer())
      expect(response.status, path).toBe(404)
      expect(response.body, path).not.toContain('app.js')
    }
  })

  it('allows only GET and HEAD', async () => {
    const response = await get('/', bearer(), 'POST')
    expect(response.status).toBe(405)
    expect(response.headers.allow).toBe('GET, HEAD')
  })
})

/** A WebSocket client that records every message it receives. */
class Client {
  readonly messages: Array<Record<string, unknown>> = []
  private waiters: Array<() => void> = []
  constructor(readonly socket: WebSocket) {
    socket.on('message', (data: Buffer) => {
      this.messages.push(JSON.parse(data.toString('utf8')) as Record<string, unknown>)
      for (const wake of this.waiters.splice(0)) wake()
    })
  }

  /** Resolves with the first message, past or future, that matches. */
  async next(match: (message: Record<string, unknown>) => boolean, timeoutMs = 60_000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const found = this.messages.find(match)
      if (found) return found
      if (Date.now() > deadline) throw new Error(`no matching message within ${timeoutMs} ms; got ${JSON.stringify(this.messages.slice(-5))}`)
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve)
        setTimeout(resolve, 200)
      })
    }
  }

  reply(id: number | null): Promise<Record<string, unknown>> {
    return this.next((message) => 'ok' in message && message.id === id)
  }

  async request(id: number, channel: string, payload?: unknown): Promise<Record<string, unknown>> {
    this.socket.send(JSON.stringify({ id, channel, payload }))
    return this.reply(id)
  }
}

function connect(headers: Record<string, string>, path = '/ws'): Promise<Client> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`ws://127.0.0.1:${server.port}${path}`, { headers })
    socket.once('open', () => resolve(new Client(socket)))
    socket.once('unexpected-response', (_request, response) => reject(new Error(`HTTP ${response.statusCode}`)))
    socket.once('error', reject)
  })
}

describe('serve over WebSocket', () => {
  it('rejects an upgrade without token', async () => {
    await expect(connect({})).rejects.toThrow('HTTP 401')
    await expect(connect({ Authorization: 'Bearer wrong' })).rejects.toThrow('HTTP 401')
    await expect(connect(bearer(), '/other')).rejects.toThrow('HTTP 404')
    await expect(connect({ ...cookie(), Origin: 'http://evil.example' })).rejects.toThrow('HTTP 403')
  })

  it('answers requests', async () => {
    const client = await connect(cookie())
    expect(await client.request(1, 'runs.list', {})).toEqual({ id: 1, ok: true, result: [] })
    const info = await client.request(2, 'app.info')
    expect(info).toMatchObject({ id: 2, ok: true, result: { transport: 'browser', backend: null, backendError: 'not started in this test' } })
    const missing = await client.request(3, 'runs.get', { runId: 12_345 })
    expect(missing).toMatchObject({ id: 3, ok: false, error: { code: 'NOT_FOUND' } })
    client.socket.close()
  })

  it('pushes run events', async () => {
    const client = await connect(bearer())
    const reply = await client.request(1, 'training.start', { config: { ...toyConfig, steps: 5 } })
    const { runId } = reply.result as { runId: number }
    const done = await client.next((message) => (message.event as BackendEvent | undefined)?.type === 'run.done')
    expect(done).toEqual({ event: { type: 'run.done', runId, status: 'completed', step: 5 } })
    const types = new Set(client.messages.map((message) => (message.event as BackendEvent | undefined)?.type))
    for (const type of ['run.ready', 'run.metrics', 'run.sample', 'run.status']) expect(types, type).toContain(type)
    client.socket.close()
  })

  it('survives garbage frames', async () => {
    const client = await connect(bearer())
    const garbage: Array<[string | Buffer, number | null, string]> = [
      ['not json', null, 'not valid JSON'],
      ['[1, 2]', null, 'invalid message'],
      ['null', null, 'invalid message'],
      ['{"channel":"runs.list"}', null, 'id:'],
      ['{"id":-5,"channel":"runs.list"}', null, 'id:'],
      ['{"id":1.5,"channel":"runs.list"}', null, 'id:'],
      ['{"id":7}', 7, 'channel:'],
      ['{"id":8,"channel":"runs.list","payload":{},"extra":1}', 8, 'extra'],
      ['{"id":9,"channel":"runs.drop","payload":{}}', 9, 'unknown channel "runs.drop"'],
      ['{"id":10,"channel":"runs.get","payload":{"runId":"x"}}', 10, 'runId'],
      [Buffer.from([0, 1, 2, 3]), null, 'binary messages are not accepted'],
      [JSON.stringify({ id: 11, channel: 'runs.update', payload: { runId: 1, note: 'n'.repeat(maxMessageBytes) } }), null, 'more than'],
    ]
    for (const [frame, id, text] of garbage) {
      client.messages.length = 0
      client.socket.send(frame, { binary: Buffer.isBuffer(frame) })
      const reply = await client.reply(id)
      expect(reply.ok, String(frame).slice(0, 60)).toBe(false)
      const error = reply.error as { code: string; message: string }
      expect(['INVALID_REQUEST', 'UNKNOWN_CHANNEL'], String(frame).slice(0, 60)).toContain(error.code)
      expect(error.message, String(frame).slice(0, 60)).toContain(text)
    }
    expect(await client.request(12, 'runs.list', {})).toMatchObject({ id: 12, ok: true })
    client.socket.close()
  })

  it('closes on a huge frame and keeps serving', async () => {
    const client = await connect(bearer())
    const closed = new Promise<number>((resolve) => client.socket.once('close', (code) => resolve(code)))
    client.socket.send(Buffer.alloc(17 * maxMessageBytes, 0x20), { binary: false })
    expect(await closed).toBe(1009)
    const next = await connect(bearer())
    expect(await next.request(1, 'runs.list', {})).toMatchObject({ id: 1, ok: true })
    next.socket.close()
    expect((await get('/', bearer())).status).toBe(200)
  })
})

describe('parseMessage', () => {
  it('reads a request', () => {
    expect(parseMessage(Buffer.from('{"id":0,"channel":"app.info"}'), false)).toEqual({ ok: true, id: 0, channel: 'app.info', payload: undefined })
  })
})
