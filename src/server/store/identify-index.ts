// In-memory 1:N index for one model id. Two tiers:
//  1. every template quantised to int8 (per-row scale) in one contiguous block of WebAssembly
//     memory, scored by a SIMD kernel (i32x4.dot_i16x8_s): 512 bytes per row, so 100 000
//     templates are a 51 MB scan instead of 205 MB of float32;
//  2. the best candidates (max(64, 8k)) re-scored exactly in float32 from normalised rows.
// Quantisation error on a cosine is ~0.002, far below the gap between the k-th and the
// 64-th candidate, so results equal an exact float search (the tests compare with one).
// A plain JS float loop over 100 000 x 512 takes ~60 ms on a busy core.
//
// WebAssembly memory layout (bytes): [query int8 512][rows int8 capacity*512][scores i32 capacity*4].
// Rows never move when capacity grows (scores are scratch and are simply re-placed).

import { VECTOR_LENGTH } from '../../protocol/payload';
import type { IdentifyMatch } from './types';

const ROW_BYTES = VECTOR_LENGTH; // int8
const PAGE = 65_536;
const MAX_PAGES = 65_536; // 4 GiB of int8 rows: far beyond what the float tier can hold anyway

// --- A hand-assembled wasm module: scores(q, rows, n, rowBytes, out) -------------------
// for each row: out[r] = sum(q[i] * row[i]) over int8 values, as i32, 32 bytes per step.

const uleb = (n: number): number[] => {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
};
const sleb = (n: number): number[] => {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
};
const str = (s: string): number[] => [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const simd = (opcode: number): number[] => [0xfd, ...uleb(opcode)];

const I32 = 0x7f;
const V128 = 0x7b;
const op = {
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  end: [0x0b],
  br: (l: number) => [0x0c, l],
  brIf: (l: number) => [0x0d, l],
  get: (i: number) => [0x20, i],
  set: (i: number) => [0x21, i],
  tee: (i: number) => [0x22, i],
  i32: (v: number) => [0x41, ...sleb(v)],
  add: [0x6a],
  sub: [0x6b],
  eqz: [0x45],
  ltU: [0x49],
  i32Store: [0x36, 2, 0],
  v128Load: (offset: number) => [...simd(0), 0, ...uleb(offset)],
  v128Zero: [...simd(12), ...new Array<number>(16).fill(0)],
  extendLow: simd(135), // i16x8.extend_low_i8x16_s
  extendHigh: simd(136), // i16x8.extend_high_i8x16_s
  dot: simd(186), // i32x4.dot_i16x8_s
  i32x4Add: simd(174),
  lane: (i: number) => [...simd(27), i], // i32x4.extract_lane
};

function buildKernel(): Uint8Array<ArrayBuffer> {
  // params: 0 q, 1 rows, 2 n, 3 rowBytes, 4 out; locals: 5 j | 6 acc0, 7 acc1, 8 r, 9 qv
  const [q, rows, n, rowBytes, out, j, acc0, acc1, r, qv] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  // acc += dot(low halves) + dot(high halves) of 16 int8 lanes at `offset`.
  const step = (acc: number, offset: number): number[] => [
    ...op.get(rows),
    ...op.get(j),
    ...op.add,
    ...op.v128Load(offset),
    ...op.set(r),
    ...op.get(q),
    ...op.get(j),
    ...op.add,
    ...op.v128Load(offset),
    ...op.set(qv),
    ...op.get(acc),
    ...op.get(r),
    ...op.extendLow,
    ...op.get(qv),
    ...op.extendLow,
    ...op.dot,
    ...op.i32x4Add,
    ...op.get(r),
    ...op.extendHigh,
    ...op.get(qv),
    ...op.extendHigh,
    ...op.dot,
    ...op.i32x4Add,
    ...op.set(acc),
  ];
  const body = [
    ...op.block,
    ...op.loop,
    ...op.get(n),
    ...op.eqz,
    ...op.brIf(1),
    ...op.v128Zero,
    ...op.set(acc0),
    ...op.v128Zero,
    ...op.set(acc1),
    ...op.i32(0),
    ...op.set(j),
    ...op.loop,
    ...step(acc0, 0),
    ...step(acc1, 16),
    ...op.get(j),
    ...op.i32(32),
    ...op.add,
    ...op.tee(j),
    ...op.get(rowBytes),
    ...op.ltU,
    ...op.brIf(0),
    ...op.end,
    // out[r] = sum of the 8 lanes
    ...op.get(out),
    ...op.get(acc0),
    ...op.get(acc1),
    ...op.i32x4Add,
    ...op.set(acc0),
    ...op.get(acc0),
    ...op.lane(0),
    ...op.get(acc0),
    ...op.lane(1),
    ...op.add,
    ...op.get(acc0),
    ...op.lane(2),
    ...op.add,
    ...op.get(acc0),
    ...op.lane(3),
    ...op.add,
    ...op.i32Store,
    ...op.get(out),
    ...op.i32(4),
    ...op.add,
    ...op.set(out),
    ...op.get(rows),
    ...op.get(rowBytes),
    ...op.add,
    ...op.set(rows),
    ...op.get(n),
    ...op.i32(1),
    ...op.sub,
    ...op.set(n),
    ...op.br(0),
    ...op.end,
    ...op.end,
    ...op.end, // function body
  ];
  const locals = [2, 1, I32, 4, V128];
  const func = [...locals, ...body];
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, [1, 0x60, 5, I32, I32, I32, I32, I32, 0]),
    ...section(3, [1, 0]),
    ...section(5, [1, 0x01, 1, ...uleb(MAX_PAGES)]),
    ...section(7, [2, ...str('scores'), 0x00, 0, ...str('mem'), 0x02, 0]),
    ...section(10, [1, ...uleb(func.length), ...func]),
  ]);
}

let kernelModule: WebAssembly.Module | undefined;
function kernel(): WebAssembly.Module {
  kernelModule ??= new WebAssembly.Module(buildKernel());
  return kernelModule;
}

interface KernelExports {
  scores(q: number, rows: number, n: number, rowBytes: number, out: number): void;
  mem: WebAssembly.Memory;
}

/** Writes v / |v| into dst. The caller has already validated that |v| > 0 and finite. */
export function normaliseInto(dst: Float32Array, v: Float32Array): void {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  const inv = 1 / Math.sqrt(s);
  for (let i = 0; i < v.length; i++) dst[i] = v[i]! * inv;
}

/** Quantises a normalised vector to int8 in dst; returns the factor that undoes it. */
function quantiseInto(dst: Int8Array, v: Float32Array): number {
  let max = 0;
  for (let i = 0; i < v.length; i++) max = Math.max(max, Math.abs(v[i]!));
  const s = 127 / max;
  for (let i = 0; i < v.length; i++) dst[i] = Math.round(v[i]! * s);
  return 1 / s;
}

export class IdentifyIndex {
  private readonly k: KernelExports;
  private capacity = 0;
  /** Normalised float rows, capacity * 512. */
  private exact = new Float32Array(0);
  /** Per-row de-quantisation factor. */
  private scale = new Float32Array(0);
  private ids: string[] = [];
  private subjects: string[] = [];
  private readonly slotOf = new Map<string, number>();
  private readonly query = new Float32Array(VECTOR_LENGTH);

  constructor(initialCapacity = 1024) {
    const inst = new WebAssembly.Instance(kernel(), {});
    this.k = inst.exports as unknown as KernelExports;
    this.reserve(Math.max(1, initialCapacity));
  }

  get size(): number {
    return this.ids.length;
  }

  has(templateId: string): boolean {
    return this.slotOf.has(templateId);
  }

  private reserve(min: number): void {
    if (min <= this.capacity) return;
    let cap = Math.max(this.capacity, 1024);
    while (cap < min) cap *= 2;
    const need = ROW_BYTES + cap * ROW_BYTES + cap * 4;
    const pages = Math.ceil(need / PAGE);
    const have = this.k.mem.buffer.byteLength / PAGE;
    if (pages > MAX_PAGES) throw new RangeError('identify index is full for this model id');
    if (pages > have) this.k.mem.grow(pages - have);
    const exact = new Float32Array(cap * VECTOR_LENGTH);
    exact.set(this.exact.subarray(0, this.ids.length * VECTOR_LENGTH));
    this.exact = exact;
    const scale = new Float32Array(cap);
    scale.set(this.scale.subarray(0, this.ids.length));
    this.scale = scale;
    this.capacity = cap;
  }

  private row8(slot: number): Int8Array {
    return new Int8Array(this.k.mem.buffer, ROW_BYTES + slot * ROW_BYTES, ROW_BYTES);
  }

  /** Adds (or replaces) one template. */
  add(templateId: string, subjectId: string, vector: Float32Array): void {
    let slot = this.slotOf.get(templateId);
    if (slot === undefined) {
      this.reserve(this.ids.length + 1);
      slot = this.ids.length;
      this.ids.push(templateId);
      this.subjects.push(subjectId);
      this.slotOf.set(templateId, slot);
    } else {
      this.subjects[slot] = subjectId;
    }
    const row = this.exact.subarray(slot * VECTOR_LENGTH, (slot + 1) * VECTOR_LENGTH);
    normaliseInto(row, vector);
    this.scale[slot] = quantiseInto(this.row8(slot), row);
  }

  /** Removes one template by moving the last row into its slot. */
  remove(templateId: string): boolean {
    const slot = this.slotOf.get(templateId);
    if (slot === undefined) return false;
    const last = this.ids.length - 1;
    if (slot !== last) {
      this.exact.copyWithin(slot * VECTOR_LENGTH, last * VECTOR_LENGTH, (last + 1) * VECTOR_LENGTH);
      new Uint8Array(this.k.mem.buffer).copyWithin(
        ROW_BYTES + slot * ROW_BYTES,
        ROW_BYTES + last * ROW_BYTES,
        ROW_BYTES + (last + 1) * ROW_BYTES,
      );
      this.scale[slot] = this.scale[last]!;
      const movedId = this.ids[last]!;
      this.ids[slot] = movedId;
      this.subjects[slot] = this.subjects[last]!;
      this.slotOf.set(movedId, slot);
    }
    this.ids.pop();
    this.subjects.pop();
    this.slotOf.delete(templateId);
    return true;
  }

  removeSubject(subjectId: string): number {
    const doomed = this.ids.filter((_, i) => this.subjects[i] === subjectId);
    for (const id of doomed) this.remove(id);
    return doomed.length;
  }

  /** Top-k templates by cosine similarity to the (validated, non-zero) query. */
  search(query: Float32Array, k: number): IdentifyMatch[] {
    const n = this.ids.length;
    if (n === 0 || k <= 0) return [];
    const q = this.query;
    normaliseInto(q, query);
    quantiseInto(new Int8Array(this.k.mem.buffer, 0, ROW_BYTES), q);
    const scoresAt = ROW_BYTES + this.capacity * ROW_BYTES;
    this.k.scores(0, ROW_BYTES, n, ROW_BYTES, scoresAt);
    const raw = new Int32Array(this.k.mem.buffer, scoresAt, n);

    // Tier 1: approximate ranking (the query's own scale is common to all rows).
    const candidates = topK(n, Math.min(n, Math.max(64, 8 * k)), (i) => raw[i]! * this.scale[i]!);
    // Tier 2: exact float32 cosine for the candidates.
    const exact = new Map<number, number>();
    for (const i of candidates) {
      let dot = 0;
      const o = i * VECTOR_LENGTH;
      for (let j = 0; j < VECTOR_LENGTH; j++) dot += q[j]! * this.exact[o + j]!;
      exact.set(i, dot);
    }
    return candidates
      .sort((a, b) => exact.get(b)! - exact.get(a)! || a - b)
      .slice(0, Math.min(k, n))
      .map((i) => ({
        subjectId: this.subjects[i]!,
        templateId: this.ids[i]!,
        score: exact.get(i)!,
      }));
  }
}

/** Indices of the k largest values, best first (ties by lower index). k is small. */
function topK(n: number, k: number, value: (i: number) => number): number[] {
  // Sorted ascending buffer of the current best k; most rows fail the first comparison.
  const idx: number[] = [];
  const val: number[] = [];
  for (let i = 0; i < n; i++) {
    const s = value(i);
    if (idx.length === k && s <= val[0]!) continue;
    let p = 0;
    while (p < val.length && val[p]! < s) p++;
    idx.splice(p, 0, i);
    val.splice(p, 0, s);
    if (idx.length > k) {
      idx.shift();
      val.shift();
    }
  }
  return idx.reverse();
}
