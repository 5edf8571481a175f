/**
 * The safetensors format (https://github.com/huggingface/safetensors): an 8-byte little-endian header
 * length, a JSON header mapping each tensor name to { dtype, shape, data_offsets } (offsets relative to the
 * end of the header), then the raw little-endian data. PyTorch loads it with `safetensors.torch.load_file`.
 */

export type SafetensorsDtype = 'F32' | 'I32' | 'U8' | 'I64' | 'F64'

export interface NamedArray {
  dtype: SafetensorsDtype
  shape: number[]
  data: Float32Array | Int32Array | Uint8Array | BigInt64Array | Float64Array
}

const bytesPerElement: Record<SafetensorsDtype, number> = { F32: 4, I32: 4, U8: 1, I64: 8, F64: 8 }

export class SafetensorsError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'SafetensorsError'
  }
}

export function encodeSafetensors(tensors: Record<string, NamedArray>, metadata: Record<string, string> = {}): Buffer {
  const header: Record<string, unknown> = {}
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata
  let offset = 0
  const parts: Buffer[] = []
  for (const [name, tensor] of Object.entries(tensors)) {
    const count = tensor.shape.reduce((n, d) => n * d, 1)
    if (count !== tensor.data.length) {
      throw new SafetensorsError(`tensor ${name}: shape [${tensor.shape.join(', ')}] needs ${count} values, got ${tensor.data.length}`)
    }
    const bytes = Buffer.from(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength)
    header[name] = { dtype: tensor.dtype, shape: tensor.shape, data_offsets: [offset, offset + bytes.length] }
    parts.push(bytes)
    offset += bytes.length
  }
  let json = JSON.stringify(header)
  // Pad the header with spaces so the data starts 8-byte aligned, as the reference writer does.
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8)
  const headerBytes = Buffer.from(json, 'utf8')
  const length = Buffer.alloc(8)
  length.writeBigUInt64LE(BigInt(headerBytes.length))
  return Buffer.concat([length, headerBytes, ...parts])
}

export function decodeSafetensors(bytes: Uint8Array, source = 'safetensors data'): {
  tensors: Record<string, NamedArray>
  metadata: Record<string, string>
} {
  // A Buffer sent to a worker thread arrives as a plain Uint8Array.
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (buffer.length < 8) throw new SafetensorsError(`${source} is ${buffer.length} bytes, too short for a safetensors header`)
  const headerLength = Number(buffer.readBigUInt64LE(0))
  if (headerLength > buffer.length - 8) {
    throw new SafetensorsError(`${source}: header length ${headerLength} exceeds the file size ${buffer.length}; the file is truncated or not safetensors`)
  }
  let header: Record<string, { dtype: SafetensorsDtype; shape: number[]; data_offsets: [number, number] } | Record<string, string>>
  try {
    header = JSON.parse(buffer.subarray(8, 8 + headerLength).toString('utf8'))
  } catch (error) {
    throw new SafetensorsError(`${source}: the header is not valid JSON (${(error as Error).message})`)
  }
  const dataStart = 8 + headerLength
  const tensors: Record<string, NamedArray> = {}
  let metadata: Record<string, string> = {}
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = entry as Record<string, string>
      continue
    }
    const { dtype, shape, data_offsets: [begin, end] } = entry as { dtype: SafetensorsDtype; shape: number[]; data_offsets: [number, number] }
    const size = bytesPerElement[dtype]
    if (size === undefined) throw new SafetensorsError(`${source}: tensor ${name} has unsupported dtype ${dtype}`)
    const count = shape.reduce((n, d) => n * d, 1)
    if (end - begin !== count * size || dataStart + end > buffer.length) {
      throw new SafetensorsError(`${source}: tensor ${name} (${dtype} [${shape.join(', ')}]) has ${end - begin} bytes at offsets ${begin}-${end}, expected ${count * size} within the file`)
    }
    // Copy so the typed array is aligned regardless of where the buffer sits.
    const bytes = new Uint8Array(buffer.subarray(dataStart + begin, dataStart + end))
    const data = dtype === 'F32' ? new Float32Array(bytes.buffer)
      : dtype === 'I32' ? new Int32Array(bytes.buffer)
      : dtype === 'I64' ? new BigInt64Array(bytes.buffer)
      : dtype === 'F64' ? new Float64Array(bytes.buffer)
      : bytes
    tensors[name] = { dtype, shape, data }
  }
  return { tensors, metadata }
}
