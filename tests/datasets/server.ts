import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export type RouteMode = 'ok' | 'cut' | 'html' | 'missing'

export interface Route {
  body: Buffer
  mode: RouteMode
}

export interface RequestRecord {
  path: string
  range: string | undefined
}

/** A file server on 127.0.0.1 for download tests, with Range support and ways to fail. */
export class TestServer {
  readonly routes = new Map<string, Route>()
  readonly requests: RequestRecord[] = []
  private server: Server | null = null
  url = ''

  async start(): Promise<this> {
    this.server = createServer((request, response) => this.handle(request, response))
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve))
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`
    return this
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections()
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve())
  }

  serve(path: string, body: Buffer, mode: RouteMode = 'ok'): void {
    this.routes.set(path, { body, mode })
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    const path = new URL(request.url ?? '/', this.url).pathname
    this.requests.push({ path, range: request.headers.range })
    const route = this.routes.get(path)

    if (route === undefined || route.mode === 'missing') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found')
      return
    }
    if (route.mode === 'html') {
      const page = Buffer.from('<!DOCTYPE html><html><body>Access denied</body></html>')
      response.writeHead(200, { 'content-type': 'text/html', 'content-length': page.length }).end(page)
      return
    }

    let start = 0
    const range = /^bytes=(\d+)-$/.exec(request.headers.range ?? '')
    if (range !== null) {
      start = Number(range[1])
      if (start >= route.body.length) {
        response.writeHead(416, { 'content-range': `bytes */${route.body.length}` }).end()
        return
      }
    }

    const part = route.body.subarray(start)
    const headers: Record<string, string | number> = { 'content-type': 'application/octet-stream', 'content-length': part.length }
    if (range !== null) headers['content-range'] = `bytes ${start}-${route.body.length - 1}/${route.body.length}`
    response.writeHead(range === null ? 200 : 206, headers)
    if (route.mode === 'cut') {
      // Send half, then drop the connection as a failing network would.
      response.write(part.subarray(0, Math.floor(part.length / 2)), () => setTimeout(() => request.socket.destroy(), 20))
      return
    }
    response.end(part)
  }
}
