// Just enough FlatBuffers reading and writing to edit TFLite models in place.
//
// Editing trick: FlatBuffers offsets point forward (uoffset), so a new root table written in
// FRONT of an untouched old buffer can reference every old subtable and vector unchanged. The
// `flatbuffers` Builder stores offsets relative to the end of what it has built; when the old
// bytes are appended right after the builder's output, an old object at position `p` of the old
// buffer is reached with the builder offset `-p` (see `oldRef`).
import { Builder, ByteBuffer } from 'flatbuffers';

export { Builder, ByteBuffer };

/** A table inside a FlatBuffer, read by field id (the order of fields in the .fbs schema). */
export class TableReader {
  constructor(
    readonly bb: ByteBuffer,
    readonly pos: number,
  ) {}

  static root(bytes: Uint8Array): TableReader {
    const bb = new ByteBuffer(bytes);
    return new TableReader(bb, bb.readUint32(0));
  }

  /** Offset of the field inside the table, or 0 when absent. */
  private field(id: number): number {
    return this.bb.__offset(this.pos, 4 + 2 * id);
  }

  has(id: number): boolean {
    return this.field(id) !== 0;
  }

  uint32(id: number, fallback = 0): number {
    const o = this.field(id);
    return o ? this.bb.readUint32(this.pos + o) : fallback;
  }

  int32(id: number, fallback = 0): number {
    const o = this.field(id);
    return o ? this.bb.readInt32(this.pos + o) : fallback;
  }

  int8(id: number, fallback = 0): number {
    const o = this.field(id);
    return o ? this.bb.readInt8(this.pos + o) : fallback;
  }

  uint8(id: number, fallback = 0): number {
    const o = this.field(id);
    return o ? this.bb.readUint8(this.pos + o) : fallback;
  }

  /** Absolute position of a referenced table, vector or string (its length prefix), or null. */
  ref(id: number): number | null {
    const o = this.field(id);
    return o ? this.bb.__indirect(this.pos + o) : null;
  }

  table(id: number): TableReader | null {
    const p = this.ref(id);
    return p === null ? null : new TableReader(this.bb, p);
  }

  string(id: number): string | null {
    const o = this.field(id);
    return o ? (this.bb.__string(this.pos + o) as string) : null;
  }

  /** Element count and absolute position of the first element of a vector field. */
  vector(id: number): { start: number; length: number } | null {
    const o = this.field(id);
    if (!o) return null;
    return { start: this.bb.__vector(this.pos + o), length: this.bb.__vector_len(this.pos + o) };
  }

  tables(id: number): TableReader[] {
    const v = this.vector(id);
    if (!v) return [];
    const out: TableReader[] = [];
    for (let i = 0; i < v.length; i++) {
      out.push(new TableReader(this.bb, this.bb.__indirect(v.start + 4 * i)));
    }
    return out;
  }

  int32s(id: number): number[] {
    const v = this.vector(id);
    if (!v) return [];
    const out: number[] = [];
    for (let i = 0; i < v.length; i++) out.push(this.bb.readInt32(v.start + 4 * i));
    return out;
  }

  bytes(id: number): Uint8Array | null {
    const v = this.vector(id);
    return v ? this.bb.bytes().subarray(v.start, v.start + v.length) : null;
  }
}

/** Builder offset for an object at position `pos` of the old buffer appended after the output. */
export function oldRef(pos: number): number {
  return -pos;
}

export function offsetVector(b: Builder, offsets: readonly number[]): number {
  b.startVector(4, offsets.length, 4);
  for (let i = offsets.length - 1; i >= 0; i--) b.addOffset(offsets[i]!);
  return b.endVector();
}

export function int32Vector(b: Builder, values: readonly number[]): number {
  b.startVector(4, values.length, 4);
  for (let i = values.length - 1; i >= 0; i--) b.addInt32(values[i]!);
  return b.endVector();
}

export function float32Vector(b: Builder, values: readonly number[]): number {
  b.startVector(4, values.length, 4);
  for (let i = values.length - 1; i >= 0; i--) b.addFloat32(values[i]!);
  return b.endVector();
}

/** A byte vector whose first byte is aligned to `align` (TFLite buffers want 16). */
export function alignedBytes(b: Builder, data: Uint8Array, align: number): number {
  b.startVector(1, data.length, align);
  for (let i = data.length - 1; i >= 0; i--) b.addInt8(data[i]!);
  return b.endVector();
}
