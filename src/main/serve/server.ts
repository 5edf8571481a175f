/**
 * The browser transport: serves the built renderer over HTTP and the contract over a WebSocket at
 * `/ws`, on one port, to holders of the token only.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import { WebSocketServer, type WebSocket } from 'ws'
import { contentSecurityPolicy } from '../csp'
import type { Channel, Reply } from '../../shared/contract'
import type { AppService } from '../app/service'
import { stderrLogger, type Logger } from '../app/log'
import { authenticate, createToken, tokenCookie } from './auth'
import { maxMessageBytes, parseMessage, type EventMessage, type ReplyMessage } from './messages'
import { resolveStaticFile, sendFile } from './static-files'

export const socketPath = '/ws'

/** Frames above this close the connection (code 1009) before they are read; smaller ones up to it get an error reply. */
const maxFrameBytes = 16 * maxMessageBytes
/** A client that has not read this much of its pushed events gets no more until it catches up. */
const maxBufferedBytes = 16 * 1024 * 1024

export interface ServerOptions {
  /** 0 picks a free port. */
  port: number
  /** Address to listen on; 127.0.0.1 unless given. */
  host?: string
  /** The access token; 32 random bytes as hex unless given. */
  token?: string
  service: AppService
  /** The built renderer folder (out/renderer). */
  rendererDir: string
  log?: Logger
}

export interface RunningServer {
  host: string
  port: number
  token: string
  /** The address to open in a browser, with the token. */
  url: string
  close(): Promise<void>
}

const securityHeaders = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
}

/** Returns the Host header if it is a plain host:port, which is safe to put into the CSP, and null otherwise. */
function requestHost(request: IncomingMessage): string | null {
  const host = request.headers.host ?? ''
  return /^[A-Za-z0-9.\-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/.test(host) ? host : null
}

function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const { service, rendererDir } = options
  const host = options.host ?? '127.0.0.1'
  const token = options.token ?? createToken()
  const log = options.log ?? stderrLogger
  const sockets = new WebSocketServer({ noServer: true, maxPayload: maxFrameBytes })

  const policyFor = (request: IncomingMessage): { policy: string; connectSources: string[] } => {
    const requested = requestHost(request)
    const connectSources = requested ? [`ws://${requested}`] : []
    return { policy: contentSecurityPolicy('production', 'header', { connectSources }), connectSources }
  }

  const server: Server = createServer((request, response) => {
    handleHttp(request, response).catch((error: unknown) => {
      log.error(`serving ${request.url ?? '(no url)'} failed: ${(error as Error).message}`)
      if (!response.headersSent) response.writeHead(500, { ...securityHeaders, 'Content-Type': 'text/plain; charset=utf-8' })
      response.end('internal error; the server log has the details\n')
    })
  })

  async function handleHttp(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://serve.invalid')
    const { policy, connectSources } = policyFor(request)
    for (const [name, value] of Object.entries(securityHeaders)) response.setHeader(name, value)
    response.setHeader('Content-Security-Policy', policy)

    const source = authenticate(request, url, token)
    if (source === null) {
      log.warn(`rejected ${request.method} ${url.pathname} from ${request.socket.remoteAddress}: missing or invalid token`)
      response.writeHead(401, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' })
      response.end('401 Unauthorized: open the full address that `npm run cli -- serve` printed, with its ?token=\n')
      return
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' })
      response.end('405 Method Not Allowed\n')
      return
    }
    if (source === 'query') {
      // Move the token from the address into a cookie, so it stays out of the history and the page's URL.
      url.searchParams.delete('token')
      response.writeHead(303, { Location: `${url.pathname}${url.search}`, 'Set-Cookie': tokenCookie(token), 'Cache-Control': 'no-store' })
      response.end()
      return
    }
    const found = await resolveStaticFile(rendererDir, url.pathname)
    if (found.status !== 200) {
      log.warn(`${found.status} for ${request.method} ${url.pathname}: ${found.reason}`)
      response.writeHead(found.status, { 'Content-Type': 'text/plain; charset=utf-8' })
      response.end(`${found.status === 404 ? '404 Not Found' : '400 Bad Request'}: ${found.reason}\n`)
      return
    }
    await sendFile(response, found.file, connectSources, request.method === 'HEAD')
  }

  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const rejectUpgrade = (status: string): void => {
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
    }
    socket.on('error', (error) => log.warn(`WebSocket upgrade connection failed: ${error.message}`))
    const url = new URL(request.url ?? '/', 'http://serve.invalid')
    if (authenticate(request, url, token) === null) {
      log.warn(`rejected a WebSocket upgrade on ${url.pathname} from ${request.socket.remoteAddress}: missing or invalid token`)
      return rejectUpgrade('401 Unauthorized')
    }
    if (url.pathname !== socketPath) {
      log.warn(`rejected a WebSocket upgrade on ${url.pathname}: the WebSocket is at ${socketPath}`)
      return rejectUpgrade('404 Not Found')
    }
    // A page from another site may open a WebSocket here; browsers always send its Origin.
    const origin = request.headers.origin
    if (origin !== undefined && origin !== `http://${request.headers.host}`) {
      log.warn(`rejected a WebSocket upgrade from the page origin ${origin}, which is not this server`)
      return rejectUpgrade('403 Forbidden')
    }
    sockets.handleUpgrade(request, socket, head, (client) => sockets.emit('connection', client, request))
  })

  sockets.on('connection', (client: WebSocket) => {
    let malformed = 0
    client.on('error', (error) => log.warn(`WebSocket client error: ${error.message}`))
    client.on('close', () => {
      if (malformed > 1) log.warn(`a WebSocket client sent ${malformed} malformed messages before it closed`)
    })
    client.on('message', (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
      const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer)
      const message = parseMessage(bytes, isBinary)
      if (!message.ok) {
        malformed++
        if (malformed === 1) log.warn(`malformed WebSocket message: ${message.reply.error.message}`)
        send(client, message.reply)
        return
      }
      service
        .handle(message.channel, message.payload)
        .catch((error: unknown): Reply<Channel> => {
          // handle() returns errors as data; this catches a bug in it, so the process keeps serving.
          log.error(`${message.channel} (request ${message.id}) threw: ${(error as Error).stack ?? String(error)}`)
          return { ok: false, error: { code: 'FAILED', message: `${message.channel} failed inside the server; its log has the details` } }
        })
        .then((reply) => send(client, { id: message.id, ...reply }))
    })
  })

  const send = (client: WebSocket, message: ReplyMessage | EventMessage): void => {
    if (client.readyState === client.OPEN) client.send(JSON.stringify(message))
  }

  const unsubscribe = service.subscribe((event) => {
    const text = JSON.stringify({ event } satisfies EventMessage)
    for (const client of sockets.clients) {
      // NOTE: a client that stops reading misses the events pushed meanwhile and must refetch the run to catch up.
      if (client.readyState === client.OPEN && client.bufferedAmount < maxBufferedBytes) client.send(text)
    }
  })

  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n')
    else socket.destroy()
  })

  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      unsubscribe()
      const reason = error.code === 'EADDRINUSE'
        ? `port ${options.port} on ${host} is already in use; choose another with --port, or --port 0 for a free one`
        : `cannot listen on ${host}:${options.port}: ${error.message}`
      reject(new Error(reason))
    }
    server.once('error', onError)
    server.listen(options.port, host, () => {
      server.off('error', onError)
      resolve()
    })
  })
  server.on('error', (error) => log.error(`the HTTP server failed: ${error.message}`))

  const port = (server.address() as AddressInfo).port
  const url = `http://${urlHost(host)}:${port}/?token=${token}`
  log.info(`serving ${rendererDir} on ${urlHost(host)}:${port}`)

  return {
    host,
    port,
    token,
    url,
    async close(): Promise<void> {
      unsubscribe()
      for (const client of sockets.clients) client.terminate()
      await new Promise<void>((resolve) => sockets.close(() => resolve()))
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      log.info(`stopped serving on ${urlHost(host)}:${port}`)
    },
  }
}
