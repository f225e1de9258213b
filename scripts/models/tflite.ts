// Reads the parts of a TFLite model (schema.fbs, file identifier TFL3) that the build edits, and
// writes an edited model: new root Model + SubGraph in front of the untouched old bytes.
import {
  Builder,
  TableReader,
  alignedBytes,
  int32Vector,
  offsetVector,
  oldRef,
} from './flatbuffer';

/** Field ids from TensorFlow Lite's schema.fbs. */
const MODEL = {
  version: 0,
  operatorCodes: 1,
  subgraphs: 2,
  description: 3,
  buffers: 4,
  metadataBuffer: 5,
  metadata: 6,
  signatureDefs: 7,
};
const SUBGRAPH = { tensors: 0, inputs: 1, outputs: 2, operators: 3, name: 4 };
const TENSOR = { shape: 0, type: 1, buffer: 2, name: 3 };
const OPCODE = { deprecatedBuiltinCode: 0, customCode: 1, version: 2, builtinCode: 3 };
const OPERATOR = { opcodeIndex: 0, inputs: 1, outputs: 2, optionsType: 3, options: 4 };
const METADATA = { name: 0, buffer: 1 };

export const TensorType = { FLOAT32: 0, INT32: 2 } as const;
export const BuiltinOperator = { CONCATENATION: 2, GATHER: 36, MEAN: 40 } as const;
/** Indices in schema.fbs's `union BuiltinOptions` (1-based; 0 is NONE). */
export const BuiltinOptionsType = {
  ConcatenationOptions: 10,
  GatherOptions: 23,
  ReducerOptions: 27,
} as const;

export class TfliteError extends Error {
  override name = 'TfliteError';
}

export interface TensorInfo {
  index: number;
  name: string;
  shape: number[];
  type: number;
}

export interface ModelView {
  bytes: Uint8Array;
  root: TableReader;
  subgraph: TableReader;
  tensors: TensorInfo[];
  inputs: number[];
  outputs: number[];
  operatorCount: number;
  /** Builtin code of each operator code entry (max of the deprecated byte and the int field). */
  builtinCodes: number[];
  bufferCount: number;
  metadataNames: string[];
}

export function readModel(bytes: Uint8Array): ModelView {
  if (bytes.length < 8 || new TextDecoder().decode(bytes.subarray(4, 8)) !== 'TFL3') {
    throw new TfliteError('not a TFLite model (file identifier TFL3 missing)');
  }
  const root = TableReader.root(bytes);
  const subgraphs = root.tables(MODEL.subgraphs);
  if (subgraphs.length !== 1) {
    throw new TfliteError(`expected one subgraph, found ${subgraphs.length}`);
  }
  const subgraph = subgraphs[0]!;
  const tensors = subgraph.tables(SUBGRAPH.tensors).map((t, index) => ({
    index,
    name: t.string(TENSOR.name) ?? '',
    shape: t.int32s(TENSOR.shape),
    type: t.int8(TENSOR.type),
  }));
  const builtinCodes = root
    .tables(MODEL.operatorCodes)
    .map((c) => Math.max(c.int8(OPCODE.deprecatedBuiltinCode), c.int32(OPCODE.builtinCode)));
  return {
    bytes,
    root,
    subgraph,
    tensors,
    inputs: subgraph.int32s(SUBGRAPH.inputs),
    outputs: subgraph.int32s(SUBGRAPH.outputs),
    operatorCount: subgraph.vector(SUBGRAPH.operators)?.length ?? 0,
    builtinCodes,
    bufferCount: root.vector(MODEL.buffers)?.length ?? 0,
    metadataNames: root.tables(MODEL.metadata).map((m) => m.string(METADATA.name) ?? ''),
  };
}

export interface NewTensor {
  name: string;
  shape: number[];
  type: number;
  /** Constant contents (little-endian); intermediates have none. */
  data?: Uint8Array;
}

export interface NewOperator {
  builtin: number;
  inputs: number[];
  outputs: number[];
  /** Builtin options: union type and a writer returning the options table offset. */
  options?: { type: number; write: (b: Builder) => number };
}

export interface ModelEdit {
  /** Appended to the subgraph's tensors: the first gets index `tensors.length` of the old model. */
  tensors?: NewTensor[];
  operators?: NewOperator[];
  outputs?: number[];
  /** Named metadata buffers (e.g. TFLITE_METADATA); an existing entry of the same name is replaced. */
  metadata?: { name: string; data: Uint8Array }[];
}

/** Returns a new model: the old bytes, untouched, preceded by a new root that applies `edit`. */
export function editModel(model: ModelView, edit: ModelEdit): Uint8Array {
  const { root, subgraph } = model;
  const b = new Builder(64 * 1024);
  // Keeps the output a multiple of 16 bytes long, so the old bytes (and their 16-byte aligned
  // buffers) stay aligned once appended.
  b.prep(16, 0);

  const newTensors = edit.tensors ?? [];
  const newOps = edit.operators ?? [];
  const newMeta = edit.metadata ?? [];

  // Buffers: old entries, then one per constant tensor, then one per metadata blob.
  const bufferOffsets: number[] = [];
  const addBuffer = (data: Uint8Array): number => {
    const vec = alignedBytes(b, data, 16);
    b.startObject(3);
    b.addFieldOffset(0, vec, 0);
    bufferOffsets.push(b.endObject());
    return model.bufferCount + bufferOffsets.length - 1;
  };
  const tensorBuffer = newTensors.map((t) => (t.data ? addBuffer(t.data) : 0));
  const metaBuffer = newMeta.map((m) => addBuffer(m.data));

  const tensorOffsets = newTensors.map((t, i) => {
    const name = b.createString(t.name);
    const shape = int32Vector(b, t.shape);
    b.startObject(4);
    b.addFieldOffset(TENSOR.shape, shape, 0);
    b.addFieldInt8(TENSOR.type, t.type, 0);
    b.addFieldInt32(TENSOR.buffer, tensorBuffer[i]!, 0);
    b.addFieldOffset(TENSOR.name, name, 0);
    return b.endObject();
  });

  // Operator codes: reuse an existing entry for the same builtin, else append one.
  const codes = [...model.builtinCodes];
  const codeOffsets: number[] = [];
  const opcodeIndex = (builtin: number): number => {
    const found = codes.indexOf(builtin);
    if (found >= 0) return found;
    b.startObject(4);
    b.addFieldInt8(OPCODE.deprecatedBuiltinCode, Math.min(builtin, 127), 0);
    b.addFieldInt32(OPCODE.version, 1, 1);
    b.addFieldInt32(OPCODE.builtinCode, builtin, 0);
    codeOffsets.push(b.endObject());
    codes.push(builtin);
    return codes.length - 1;
  };
  const opOffsets = newOps.map((op) => {
    const index = opcodeIndex(op.builtin);
    const inputs = int32Vector(b, op.inputs);
    const outputs = int32Vector(b, op.outputs);
    const options = op.options ? op.options.write(b) : 0;
    b.startObject(5);
    b.addFieldInt32(OPERATOR.opcodeIndex, index, 0);
    b.addFieldOffset(OPERATOR.inputs, inputs, 0);
    b.addFieldOffset(OPERATOR.outputs, outputs, 0);
    if (op.options) {
      b.addFieldInt8(OPERATOR.optionsType, op.options.type, 0);
      b.addFieldOffset(OPERATOR.options, options, 0);
    }
    return b.endObject();
  });

  const oldList = (t: TableReader, id: number): number[] => t.tables(id).map((x) => oldRef(x.pos));

  // SubGraph: old tensors/operators by reference plus the new ones.
  const sgTensors = offsetVector(b, [...oldList(subgraph, SUBGRAPH.tensors), ...tensorOffsets]);
  const sgOps = offsetVector(b, [...oldList(subgraph, SUBGRAPH.operators), ...opOffsets]);
  const sgOutputs = edit.outputs
    ? int32Vector(b, edit.outputs)
    : refOrZero(subgraph, SUBGRAPH.outputs);
  b.startObject(5);
  b.addFieldOffset(SUBGRAPH.tensors, sgTensors, 0);
  b.addFieldOffset(SUBGRAPH.inputs, refOrZero(subgraph, SUBGRAPH.inputs), 0);
  b.addFieldOffset(SUBGRAPH.outputs, sgOutputs, 0);
  b.addFieldOffset(SUBGRAPH.operators, sgOps, 0);
  b.addFieldOffset(SUBGRAPH.name, refOrZero(subgraph, SUBGRAPH.name), 0);
  const sg = b.endObject();

  // Metadata: old entries except the replaced names, then the new ones.
  const replaced = new Set(newMeta.map((m) => m.name));
  const keptMeta = root
    .tables(MODEL.metadata)
    .filter((m) => !replaced.has(m.string(METADATA.name) ?? ''))
    .map((m) => oldRef(m.pos));
  const metaOffsets = newMeta.map((m, i) => {
    const name = b.createString(m.name);
    b.startObject(2);
    b.addFieldOffset(METADATA.name, name, 0);
    b.addFieldInt32(METADATA.buffer, metaBuffer[i]!, 0);
    return b.endObject();
  });

  const modelCodes = offsetVector(b, [...oldList(root, MODEL.operatorCodes), ...codeOffsets]);
  const modelBuffers = offsetVector(b, [...oldList(root, MODEL.buffers), ...bufferOffsets]);
  const modelSubgraphs = offsetVector(b, [sg]);
  const modelMeta = offsetVector(b, [...keptMeta, ...metaOffsets]);
  b.startObject(8);
  b.addFieldInt32(MODEL.version, root.uint32(MODEL.version), 0);
  b.addFieldOffset(MODEL.operatorCodes, modelCodes, 0);
  b.addFieldOffset(MODEL.subgraphs, modelSubgraphs, 0);
  b.addFieldOffset(MODEL.description, refOrZero(root, MODEL.description), 0);
  b.addFieldOffset(MODEL.buffers, modelBuffers, 0);
  b.addFieldOffset(MODEL.metadataBuffer, refOrZero(root, MODEL.metadataBuffer), 0);
  b.addFieldOffset(MODEL.metadata, modelMeta, 0);
  b.addFieldOffset(MODEL.signatureDefs, refOrZero(root, MODEL.signatureDefs), 0);
  b.finish(b.endObject(), 'TFL3');

  const head = b.asUint8Array();
  if (head.length % 16 !== 0) throw new TfliteError('internal: new root is not 16-byte aligned');
  const out = new Uint8Array(head.length + model.bytes.length);
  out.set(head, 0);
  out.set(model.bytes, head.length);
  return out;
}

function refOrZero(t: TableReader, id: number): number {
  const p = t.ref(id);
  return p === null ? 0 : oldRef(p);
}

/** Reads a named metadata buffer (e.g. TFLITE_METADATA) of a model, or null. */
export function readMetadataBuffer(model: ModelView, name: string): Uint8Array | null {
  const entry = model.root.tables(MODEL.metadata).find((m) => m.string(METADATA.name) === name);
  if (!entry) return null;
  const buffer = model.root.tables(MODEL.buffers)[entry.uint32(METADATA.buffer)];
  return buffer?.bytes(0) ?? null;
}
