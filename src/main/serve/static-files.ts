/**
 * Serves the built renderer folder: files only, no directory listings, nothing outside the folder
 * (after decoding the URL and following symbolic links), and index.html with its CSP meta tag set to
 * the policy the server sends.
 */
import { readFile, realpath, stat } from 'node:fs/promises'
import type { ServerResponse } from 'node:http'
import { extname, isAbsolute, relative, resolve, sep } from 'node:path'
import { contentSecurityPolicy } from '../csp'

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
}

export type StaticResult = { status: 200; file: string } | { status: 400 | 404; reason: string }

/** Maps a URL path to a file inside `root`, or returns the reason it names none. */
export async function resolveStaticFile(root: string, urlPath: string): Promise<StaticResult> {
  let decoded: string
  try {
    decoded = decodeURIComponent(urlPath)
  } catch {
    return { status: 400, reason: 'the path is not valid percent-encoding' }
  }
  if (decoded.includes('\0')) return { status: 400, reason: 'the path contains a NUL byte' }
  const wanted = decoded === '/' ? '/index.html' : decoded
  const rootReal = await realpath(root)
  const candidate = resolve(rootReal, `.${wanted.replaceAll('\\', '/')}`)
  if (!isInside(rootReal, candidate)) return { status: 404, reason: 'outside the served folder' }
  let real: string
  try {
    real = await realpath(candidate)
  } catch {
    return { status: 404, reason: 'no such file' }
  }
  // A symbolic link inside the folder may point outside it.
  if (!isInside(rootReal, real)) return { status: 404, reason: 'outside the served folder' }
  if (!(await stat(real)).isFile()) return { status: 404, reason: 'not a file' }
  return { status: 200, file: real }
}

function isInside(root: string, file: string): boolean {
  const path = relative(root, file)
  return path !== '' && !path.startsWith(`..${sep}`) && path !== '..' && !isAbsolute(path)
}

/** Sends a file found by resolveStaticFile; index.html gets the served CSP in its meta tag too. */
export async function sendFile(response: ServerResponse, file: string, connectSources: string[], head: boolean): Promise<void> {
  const type = contentTypes[extname(file).toLowerCase()] ?? 'application/octet-stream'
  let body = await readFile(file)
  if (extname(file) === '.html') {
    // The meta tag and the header both apply, so the meta tag must allow the WebSocket too.
    const built = contentSecurityPolicy('production', 'meta')
    const served = contentSecurityPolicy('production', 'meta', { connectSources })
    body = Buffer.from(body.toString('utf8').replace(`content="${built}"`, `content="${served}"`))
  }
  response.writeHead(200, {
    'Content-Type': type,
    'Content-Length': body.length,
    'Cache-Control': type.startsWith('text/html') ? 'no-store' : 'no-cache',
  })
  response.end(head ? undefined : body)
}

