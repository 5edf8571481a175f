import { createRequire } from 'node:module'
import type { onnx as OnnxNamespace } from 'onnx-proto'

/**
 * Small ONNX graphs for single kernels, encoded with onnx-proto (the ONNX protobuf schema compiled
 * by protobufjs). Most graphs have fixed input shapes, so onnxruntime can plan its memory and pick
 * its kernels once per shape.
 */

const requireSchema = createRequire(import.meta.url)
let cached: typeof OnnxNamespace | null = null

function schema(): typeof OnnxNamespace {
  cached ??= (requireSchema('onnx-proto') as { onnx: typeof OnnxNamespace }).onnx
  return cached
}

/** ONNX's element type for float32 (TensorProto.DataType.FLOAT). */
const FLOAT = 1
const OPSET = 17
const IR_VERSION = 8

export type Attribute = number | number[] | string

export interface GraphNode {
  op: string
  inputs: string[]
  outputs: string[]
  attributes?: Record<string, Attribute>
}

export interface GraphSpec {
  /**
   * Float32 inputs in the order the caller feeds them, with their shapes: a number fixes a
   * dimension, null leaves it free (one graph then serves every size of that rank).
   */
  inputs: Array<{ name: string; shape: ReadonlyArray<number | null> }>
  /** The one output's name; its shape is inferred by onnxruntime. */
  output: string
  nodes: GraphNode[]
  /** Constant int64 vectors (axes, slice bounds) by name. */
  int64Constants?: Record<string, readonly number[]>
  /** ONNX opset; 17 unless a node needs a later one (Col2Im needs 18). */
  opset?: number
  /** Constant float32 tensors (weights baked into the graph) by name. */
  floatTensors?: Record<string, { shape: readonly number[]; values: Float32Array }>
}

function attribute(name: string, value: Attribute): OnnxNamespace.IAttributeProto {
  const types = schema().AttributeProto.AttributeType
  if (typeof value === 'string') return { name, type: types.STRING, s: new TextEncoder().encode(value) }
  if (Array.isArray(value)) return { name, type: types.INTS, ints: value }
  return Number.isInteger(value) ? { name, type: types.INT, i: value } : { name, type: types.FLOAT, f: value }
}

function valueInfo(name: string, shape?: ReadonlyArray<number | null>): OnnxNamespace.IValueInfoProto {
  const dim = shape?.map((size, axis) => (size === null ? { dimParam: `${name}_${axis}` } : { dimValue: size }))
  return { name, type: { tensorType: { elemType: FLOAT, shape: dim ? { dim } : undefined } } }
}

/** Encodes a one-output float32 graph as an ONNX model. */
export function encodeGraph(spec: GraphSpec): Uint8Array {
  const onnx = schema()
  const initializer: OnnxNamespace.ITensorProto[] = Object.entries(spec.int64Constants ?? {}).map(([name, values]) => ({
    name,
    dataType: onnx.TensorProto.DataType.INT64,
    dims: [values.length],
    int64Data: [...values],
  }))
  for (const [name, tensor] of Object.entries(spec.floatTensors ?? {})) {
    // ONNX stores rawData little-endian, as Float32Array is on the x64 and arm64 builds onnxruntime-node ships.
    const bytes = new Uint8Array(tensor.values.buffer, tensor.values.byteOffset, tensor.values.byteLength)
    initializer.push({ name, dataType: onnx.TensorProto.DataType.FLOAT, dims: [...tensor.shape], rawData: bytes })
  }
  const model = onnx.ModelProto.create({
    irVersion: IR_VERSION,
    producerName: 'gan-workbench',
    opsetImport: [{ domain: '', version: spec.opset ?? OPSET }],
    graph: {
      name: 'kernel',
      node: spec.nodes.map((node, index) => ({
        name: `n${index}`,
        opType: node.op,
        input: node.inputs,
        output: node.outputs,
        attribute: Object.entries(node.attributes ?? {}).map(([name, value]) => attribute(name, value)),
      })),
      input: spec.inputs.map((input) => valueInfo(input.name, input.shape)),
      output: [valueInfo(spec.output)],
      initializer,
    },
  })
  return onnx.ModelProto.encode(model).finish()
}
