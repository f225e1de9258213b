// Baseline JPEG encoder (ITU-T T.81), 4:2:0 chroma, standard Huffman tables: the kit encodes
// every puppet frame and every mjpeg clip frame, and jpeg-js (4:4:4, an Array that grows per
// byte) spends ~160 ms on a 640×480 frame, 8× the time it takes to render one.

/** T.81 Annex K.1: luminance and chrominance quantisation at quality 50, natural order. */
const Q_LUMA = [
  16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56,
  14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113,
  92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
];
const Q_CHROMA = [
  17,
  18,
  24,
  47,
  99,
  99,
  99,
  99,
  18,
  21,
  26,
  66,
  99,
  99,
  99,
  99,
  24,
  26,
  56,
  99,
  99,
  99,
  99,
  99,
  47,
  66,
  99,
  99,
  99,
  99,
  99,
  99,
  ...Array<number>(32).fill(99),
];
/** Zig-zag position k → natural index. */
const ZIGZAG = [
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20,
  13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52,
  45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
];

/** T.81 Annex K.3: code counts per length 1..16, then the symbols. */
const DC_LUMA = { bits: [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0], values: range(12) };
const DC_CHROMA = { bits: [0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0], values: range(12) };
const AC_LUMA = {
  bits: [0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7d],
  values: [
    0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13, 0x51, 0x61, 0x07,
    0x22, 0x71, 0x14, 0x32, 0x81, 0x91, 0xa1, 0x08, 0x23, 0x42, 0xb1, 0xc1, 0x15, 0x52, 0xd1, 0xf0,
    0x24, 0x33, 0x62, 0x72, 0x82, 0x09, 0x0a, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x25, 0x26, 0x27, 0x28,
    0x29, 0x2a, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49,
    0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69,
    0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89,
    0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
    0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5,
    0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe1, 0xe2,
    0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8,
    0xf9, 0xfa,
  ],
};
const AC_CHROMA = {
  bits: [0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 0x77],
  values: [
    0x00, 0x01, 0x02, 0x03, 0x11, 0x04, 0x05, 0x21, 0x31, 0x06, 0x12, 0x41, 0x51, 0x07, 0x61, 0x71,
    0x13, 0x22, 0x32, 0x81, 0x08, 0x14, 0x42, 0x91, 0xa1, 0xb1, 0xc1, 0x09, 0x23, 0x33, 0x52, 0xf0,
    0x15, 0x62, 0x72, 0xd1, 0x0a, 0x16, 0x24, 0x34, 0xe1, 0x25, 0xf1, 0x17, 0x18, 0x19, 0x1a, 0x26,
    0x27, 0x28, 0x29, 0x2a, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48,
    0x49, 0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68,
    0x69, 0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87,
    0x88, 0x89, 0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5,
    0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3,
    0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda,
    0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8,
    0xf9, 0xfa,
  ],
};

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

interface HuffmanTable {
  bits: number[];
  values: number[];
  /** symbol → code and length. */
  code: Uint16Array;
  size: Uint8Array;
}

/** T.81 Annex C: canonical codes from the counts per length. */
function huffman(t: { bits: number[]; values: number[] }): HuffmanTable {
  const code = new Uint16Array(256);
  const size = new Uint8Array(256);
  let c = 0;
  let k = 0;
  for (let len = 1; len <= 16; len++) {
    for (let i = 0; i < t.bits[len - 1]!; i++) {
      const v = t.values[k++]!;
      code[v] = c++;
      size[v] = len;
    }
    c <<= 1;
  }
  return { ...t, code, size };
}

const H = {
  dcLuma: huffman(DC_LUMA),
  acLuma: huffman(AC_LUMA),
  dcChroma: huffman(DC_CHROMA),
  acChroma: huffman(AC_CHROMA),
};

/** cos((2x + 1) u π / 16) · C(u) / 2, so a 2-D DCT is two passes of this 8×8 matrix. */
const DCT = (() => {
  const m = new Float32Array(64);
  for (let u = 0; u < 8; u++) {
    for (let x = 0; x < 8; x++) {
      m[u * 8 + x] =
        ((u === 0 ? Math.SQRT1_2 : 1) / 2) * Math.cos(((2 * x + 1) * u * Math.PI) / 16);
    }
  }
  return m;
})();

const tables = new Map<number, { luma: Float32Array; chroma: Float32Array; dqt: Uint8Array }>();
/** Reciprocal quantisers in natural order, and the DQT payload (zig-zag order), per quality. */
function quantisers(quality: number) {
  const q = Math.min(100, Math.max(1, Math.round(quality)));
  let t = tables.get(q);
  if (t) return t;
  const scale = q < 50 ? 5000 / q : 200 - 2 * q;
  const scaled = (base: number[]) =>
    base.map((b) => Math.min(255, Math.max(1, Math.floor((b * scale + 50) / 100))));
  const luma = scaled(Q_LUMA);
  const chroma = scaled(Q_CHROMA);
  const dqt = new Uint8Array(130);
  dqt[0] = 0;
  dqt[65] = 1;
  for (let k = 0; k < 64; k++) {
    dqt[1 + k] = luma[ZIGZAG[k]!]!;
    dqt[66 + k] = chroma[ZIGZAG[k]!]!;
  }
  t = {
    luma: Float32Array.from(luma, (v) => 1 / v),
    chroma: Float32Array.from(chroma, (v) => 1 / v),
    dqt,
  };
  tables.set(q, t);
  return t;
}

/** Bytes with JPEG's 0xFF stuffing in the entropy-coded segment. */
class BitWriter {
  private buf: Uint8Array;
  private n = 0;
  private acc = 0;
  private bits = 0;

  constructor(capacity: number) {
    this.buf = new Uint8Array(capacity);
  }

  byte(b: number): void {
    if (this.n === this.buf.length) {
      const next = new Uint8Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.n++] = b;
  }

  bytes(b: ArrayLike<number>): void {
    for (let i = 0; i < b.length; i++) this.byte(b[i]!);
  }

  u16(v: number): void {
    this.byte(v >> 8);
    this.byte(v & 255);
  }

  put(code: number, length: number): void {
    this.acc = (this.acc << length) | (code & ((1 << length) - 1));
    this.bits += length;
    while (this.bits >= 8) {
      const b = (this.acc >> (this.bits - 8)) & 255;
      this.byte(b);
      if (b === 0xff) this.byte(0);
      this.bits -= 8;
    }
    this.acc &= (1 << this.bits) - 1;
  }

  /** Pads the last byte with 1 bits. */
  flush(): void {
    if (this.bits > 0) this.put((1 << (8 - this.bits)) - 1, 8 - this.bits);
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.n);
  }
}

const category = (v: number): number => (v === 0 ? 0 : 32 - Math.clz32(Math.abs(v)));

/**
 * One pass of the separable 8×8 DCT that writes its result transposed:
 * dst[j][i] = Σk M[j][k] src[i][k], rounded after scaling by `recip` when given (quantisation).
 */
function dctPass(src: Float32Array, dst: Float32Array | Int32Array, recip?: Float32Array): void {
  for (let i = 0; i < 8; i++) {
    for (let j = 0; j < 8; j++) {
      let s = 0;
      for (let k = 0; k < 8; k++) s += src[i * 8 + k]! * DCT[j * 8 + k]!;
      dst[j * 8 + i] = recip ? Math.round(s * recip[j * 8 + i]!) : s;
    }
  }
}

/** DCT, quantise and Huffman-code one 8×8 block (natural order, level-shifted); returns its DC. */
function codeBlock(
  w: BitWriter,
  block: Float32Array,
  tmp: Float32Array,
  recip: Float32Array,
  previousDc: number,
  dc: HuffmanTable,
  ac: HuffmanTable,
  out: Int32Array,
): number {
  // Rows, then columns (each pass transposes): tmp[u][y] = Σx M[u][x] block[y][x], then
  // F[v][u] = Σy M[v][y] tmp[u][y], quantised.
  dctPass(block, tmp);
  dctPass(tmp, out, recip);
  const d = out[0]! - previousDc;
  const dcat = category(d);
  w.put(dc.code[dcat]!, dc.size[dcat]!);
  if (dcat) w.put(d < 0 ? d + (1 << dcat) - 1 : d, dcat);
  let run = 0;
  for (let k = 1; k < 64; k++) {
    const v = out[ZIGZAG[k]!]!;
    if (v === 0) {
      run++;
      continue;
    }
    while (run > 15) {
      w.put(ac.code[0xf0]!, ac.size[0xf0]!);
      run -= 16;
    }
    const cat = category(v);
    const sym = (run << 4) | cat;
    w.put(ac.code[sym]!, ac.size[sym]!);
    w.put(v < 0 ? v + (1 << cat) - 1 : v, cat);
    run = 0;
  }
  if (run > 0) w.put(ac.code[0]!, ac.size[0]!);
  return out[0]!;
}

function writeHuffman(w: BitWriter, classId: number, t: HuffmanTable): void {
  w.byte(classId);
  w.bytes(t.bits);
  w.bytes(t.values);
}

/** Encodes RGBA pixels as a baseline JFIF JPEG (4:2:0). */
export function encodeJpegFast(
  img: { width: number; height: number; data: ArrayLike<number> },
  quality = 90,
): Uint8Array {
  const { width: W, height: H_, data } = img;
  if (!(W > 0 && H_ > 0 && W < 65536 && H_ < 65536) || data.length < W * H_ * 4) {
    throw new RangeError('bad image size');
  }
  const q = quantisers(quality);
  const w = new BitWriter(W * H_ + 1024);
  w.bytes([0xff, 0xd8]);
  // APP0 JFIF 1.1, no thumbnail.
  w.bytes([0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0]);
  w.bytes([0xff, 0xdb]);
  w.u16(2 + q.dqt.length);
  w.bytes(q.dqt);
  // SOF0: 8-bit, 3 components: Y 2×2 sampling with table 0, Cb and Cr 1×1 with table 1.
  w.bytes([0xff, 0xc0, 0, 17, 8]);
  w.u16(H_);
  w.u16(W);
  w.bytes([3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
  const tablesLength = [H.dcLuma, H.acLuma, H.dcChroma, H.acChroma].reduce(
    (s, t) => s + 17 + t.values.length,
    2,
  );
  w.bytes([0xff, 0xc4]);
  w.u16(tablesLength);
  writeHuffman(w, 0x00, H.dcLuma);
  writeHuffman(w, 0x10, H.acLuma);
  writeHuffman(w, 0x01, H.dcChroma);
  writeHuffman(w, 0x11, H.acChroma);
  w.bytes([0xff, 0xda, 0, 12, 3, 1, 0x00, 2, 0x11, 3, 0x11, 0, 63, 0]);

  const yBlock = new Float32Array(64);
  const cb = new Float32Array(64);
  const cr = new Float32Array(64);
  const tmp = new Float32Array(64);
  const coef = new Int32Array(64);
  const Y = new Float32Array(256);
  let dcY = 0;
  let dcCb = 0;
  let dcCr = 0;
  for (let my = 0; my < H_; my += 16) {
    for (let mx = 0; mx < W; mx += 16) {
      // The 16×16 macro-block in Y, and its 2×2-averaged chroma (edges repeat).
      cb.fill(0);
      cr.fill(0);
      for (let y = 0; y < 16; y++) {
        const sy = Math.min(H_ - 1, my + y);
        for (let x = 0; x < 16; x++) {
          const o = (sy * W + Math.min(W - 1, mx + x)) * 4;
          const r = data[o]!;
          const g = data[o + 1]!;
          const b = data[o + 2]!;
          Y[y * 16 + x] = 0.299 * r + 0.587 * g + 0.114 * b - 128;
          const c = (y >> 1) * 8 + (x >> 1);
          cb[c] = cb[c]! + 0.25 * (-0.168736 * r - 0.331264 * g + 0.5 * b);
          cr[c] = cr[c]! + 0.25 * (0.5 * r - 0.418688 * g - 0.081312 * b);
        }
      }
      for (let by = 0; by < 16; by += 8) {
        for (let bx = 0; bx < 16; bx += 8) {
          for (let y = 0; y < 8; y++) {
            for (let x = 0; x < 8; x++) yBlock[y * 8 + x] = Y[(by + y) * 16 + bx + x]!;
          }
          dcY = codeBlock(w, yBlock, tmp, q.luma, dcY, H.dcLuma, H.acLuma, coef);
        }
      }
      dcCb = codeBlock(w, cb, tmp, q.chroma, dcCb, H.dcChroma, H.acChroma, coef);
      dcCr = codeBlock(w, cr, tmp, q.chroma, dcCr, H.dcChroma, H.acChroma, coef);
    }
  }
  w.flush();
  w.bytes([0xff, 0xd9]);
  return w.finish();
}
