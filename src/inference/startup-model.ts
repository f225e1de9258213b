// The smallest ONNX model ORT accepts (one Identity node, float[1] in and out). Creating a session
// from it starts ORT's wasm runtime (download, streaming compile, thread pool) while the real
// models are still being fetched and hashed: ORT has no public "initialise" call.

function varint(n: number): number[] {
  const out: number[] = [];
  for (; n > 127; n >>>= 7) out.push((n & 127) | 128);
  out.push(n);
  return out;
}

/** Protobuf field: tag, then a varint or a length-delimited payload (bytes, string, message). */
function field(no: number, value: number | string | number[]): number[] {
  if (typeof value === 'number') return [...varint(no << 3), ...varint(value)];
  const bytes = typeof value === 'string' ? [...new TextEncoder().encode(value)] : value;
  return [...varint((no << 3) | 2), ...varint(bytes.length), ...bytes];
}

// ValueInfoProto { name, type: TypeProto { tensor_type { elem_type FLOAT, shape [1] } } }
const tensor = (name: string) =>
  field(1, name).concat(field(2, field(1, [...field(1, 1), ...field(2, field(1, field(1, 1)))])));

/** ModelProto { ir_version 7, graph { Identity x -> y }, opset_import { '' 13 } }. */
export function startupModel(): Uint8Array {
  const node = [...field(1, 'x'), ...field(2, 'y'), ...field(4, 'Identity')];
  const graph = [
    ...field(1, node),
    ...field(2, 'startup'),
    ...field(11, tensor('x')),
    ...field(12, tensor('y')),
  ];
  return new Uint8Array([...field(1, 7), ...field(7, graph), ...field(8, field(2, 13))]);
}
