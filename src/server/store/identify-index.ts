// In-memory 1:N index for one model id: every template L2-normalised in one contiguous
// block of WebAssembly memory, scored with a SIMD (f32x4) dot-product kernel, top-k in JS.
// A plain JS loop over 100 000 x 512 floats takes ~60 ms on a busy core; the SIMD kernel
// brings it well under the 50 ms p99 target.
//
// Memory layout (bytes): [query 2048][rows capacity*2048][scores capacity*4].
// Rows never move when capacity grows (scores are scratch and are simply re-placed).

import { VECTOR_LENGTH, type IdentifyMatch } from './types';

const ROW_BYTES = VECTOR_LENGTH * 4;
const PAGE = 65_536;
const MAX_PAGES = 65_536; // 4 GiB: ~2 million templates per model id

// --- A hand-assembled wasm module: scores(q, rows, n, rowBytes, out) -------------------
// for each row: out[r] = dot(q, row) using two f32x4 accumulators, 4 vectors per step.

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
  f32Add: [0x92],
  f32Store: [0x38, 2, 0],
  v128Load: (offset: number) => [0xfd, 0, 2, ...uleb(offset)],
  v128Zero: [0xfd, 12, ...new Array<number>(16).fill(0)],
  f32x4Add: [0xfd, ...uleb(228)],
  f32x4Mul: [0xfd, ...uleb(230)],
  lane: (i: number) => [0xfd, 31, i],
};

function buildKernel(): Uint8Array<ArrayBuffer> {
  // params: 0 q, 1 rows, 2 n, 3 rowBytes, 4 out; locals: 5 j, 6 acc0, 7 acc1
  const [q, rows, n, rowBytes, out, j, acc0, acc1] = [0, 1, 2, 3, 4, 5, 6, 7];
  const madd = (acc: number, offset: number): number[] => [
    ...op.get(acc),
    ...op.get(rows),
    ...op.get(j),
    ...op.add,
    ...op.v128Load(offset),
    ...op.get(q),
    ...op.get(j),
    ...op.add,
    ...op.v128Load(offset),
    ...op.f32x4Mul,
    ...op.f32x4Add,
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
    ...madd(acc0, 0),
    ...madd(acc1, 16),
    ...madd(acc0, 32),
    ...madd(acc1, 48),
    ...op.get(j),
    ...op.i32(64),
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
    ...op.f32x4Add,
    ...op.set(acc0),
    ...op.get(acc0),
    ...op.lane(0),
    ...op.get(acc0),
    ...op.lane(1),
    ...op.f32Add,
    ...op.get(acc0),
    ...op.lane(2),
    ...op.f32Add,
    ...op.get(acc0),
    ...op.lane(3),
    ...op.f32Add,
    ...op.f32Store,
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
  const locals = [2, 1, I32, 2, V128];
  const func = [...locals, ...body];
  return new Uint8Array([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
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

export class IdentifyIndex {
  private readonly k: KernelExports;
  private capacity = 0;
  private ids: string[] = [];
  private subjects: string[] = [];
  private readonly slotOf = new Map<string, number>();

  constructor(initialCapacity = 1024) {
    const inst = new WebAssembly.Instance(kernel(), {});
    this.k = inst.exports as unknown as KernelExports;
    this.reserve(initialCapacity);
  }

  get size(): number {
    return this.ids.length;
  }

  has(templateId: string): boolean {
    return this.slotOf.has(templateId);
  }

  private rowsOffset(): number {
    return ROW_BYTES;
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
    this.capacity = cap;
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
    const row = new Float32Array(
      this.k.mem.buffer,
      this.rowsOffset() + slot * ROW_BYTES,
      VECTOR_LENGTH,
    );
    normaliseInto(row, vector);
  }

  /** Removes one template by moving the last row into its slot. */
  remove(templateId: string): boolean {
    const slot = this.slotOf.get(templateId);
    if (slot === undefined) return false;
    const last = this.ids.length - 1;
    if (slot !== last) {
      const mem = new Uint8Array(this.k.mem.buffer);
      const base = this.rowsOffset();
      mem.copyWithin(
        base + slot * ROW_BYTES,
        base + last * ROW_BYTES,
        base + (last + 1) * ROW_BYTES,
      );
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
    const buf = this.k.mem.buffer;
    normaliseInto(new Float32Array(buf, 0, VECTOR_LENGTH), query);
    const scoresAt = this.rowsOffset() + this.capacity * ROW_BYTES;
    this.k.scores(0, this.rowsOffset(), n, ROW_BYTES, scoresAt);
    const scores = new Float32Array(this.k.mem.buffer, scoresAt, n);
    return topK(scores, Math.min(k, n)).map((i) => ({
      subjectId: this.subjects[i]!,
      templateId: this.ids[i]!,
      score: scores[i]!,
    }));
  }
}

/** Indices of the k largest scores, best first (ties by lower index). k is small (<= 100). */
function topK(scores: Float32Array, k: number): number[] {
  // Sorted ascending buffer of the current best k; most rows fail the first comparison.
  const idx: number[] = [];
  const val: number[] = [];
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i]!;
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
