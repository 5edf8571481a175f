/**
 * The browser transport's access token: 32 random bytes as hex, printed once in the URL. A request
 * carries it as `?token=` (the first page load), as the `ganwb_token` cookie set in reply, or as an
 * `Authorization: Bearer` header (scripts and tests).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'

export const tokenCookieName = 'ganwb_token'

export function createToken(): string {
  return randomBytes(32).toString('hex')
}

/** Compares in constant time, so the time taken does not tell how much of a guess was right. */
export function tokensMatch(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined
  for (const part of header.split(';')) {
    const separator = part.indexOf('=')
    if (separator < 0) continue
    if (part.slice(0, separator).trim() === name) return part.slice(separator + 1).trim()
  }
  return undefined
}

export type TokenSource = 'query' | 'cookie' | 'header'

/** Returns where the request carries the right token, or null when it carries none or a wrong one. */
export function authenticate(request: IncomingMessage, url: URL, token: string): TokenSource | null {
  const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1]
  if (tokensMatch(bearer, token)) return 'header'
  if (tokensMatch(cookieValue(request.headers.cookie, tokenCookieName), token)) return 'cookie'
  if (tokensMatch(url.searchParams.get('token') ?? undefined, token)) return 'query'
  return null
}

/** Returns the cookie that carries the token after the first page load; HttpOnly keeps it from page scripts. */
export function tokenCookie(token: string): string {
  return `${tokenCookieName}=${token}; Path=/; HttpOnly; SameSite=Strict`
}
