/**
 * The browser transport's message format, over one WebSocket: a request `{ id, channel, payload }`
 * gets the reply `{ id, ok: true, result }` or `{ id, ok: false, error }`, and the server pushes
 * `{ event }` for every BackendEvent. A message that cannot be read gets an error reply with
 * `id: null` when its id could not be read either.
 */
import { z } from 'zod'
import type { BackendEvent, Channel, ErrorReply, Reply } from '../../shared/contract'

/** Messages larger than this get an INVALID_REQUEST reply; the contract's largest field is a 10,000-character note. */
export const maxMessageBytes = 1024 * 1024

const requestId = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER)

const envelopeSchema = z
  .object({
    id: requestId,
    channel: z.string().min(1).max(200),
    payload: z.unknown().optional(),
  })
  .strict()

export type ReplyMessage = { id: number | null } & Reply<Channel>
export type ErrorMessage = { id: number | null; ok: false; error: ErrorReply }
export type EventMessage = { event: BackendEvent }

export type ParsedMessage =
  | { ok: true; id: number; channel: string; payload: unknown }
  | { ok: false; reply: ErrorMessage }

function invalid(id: number | null, message: string, issues?: ErrorReply['issues']): { ok: false; reply: ErrorMessage } {
  const error: ErrorReply = issues ? { code: 'INVALID_REQUEST', message, issues } : { code: 'INVALID_REQUEST', message }
  return { ok: false, reply: { id, ok: false, error } }
}

/** Reads one frame; the channel and payload are checked against the contract later, by the service. */
export function parseMessage(data: Buffer, isBinary: boolean): ParsedMessage {
  if (isBinary) return invalid(null, 'binary messages are not accepted; send a JSON text message { id, channel, payload }')
  if (data.length > maxMessageBytes) {
    return invalid(null, `the message is ${data.length} bytes, more than the ${maxMessageBytes} bytes accepted`)
  }
  let raw: unknown
  try {
    raw = JSON.parse(data.toString('utf8'))
  } catch (error) {
    return invalid(null, `the message is not valid JSON: ${(error as Error).message}`)
  }
  // Echo a readable id even when the rest is wrong, so the client can match the error to its request.
  const id = requestId.safeParse((raw as { id?: unknown } | null)?.id)
  const echoedId = id.success ? id.data : null
  const parsed = envelopeSchema.safeParse(raw)
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }))
    return invalid(echoedId, `invalid message: ${issues.map((issue) => `${issue.path || '(root)'}: ${issue.message}`).join('; ')}; expected { id, channel, payload }`, issues)
  }
  return { ok: true, id: parsed.data.id, channel: parsed.data.channel, payload: parsed.data.payload }
}
