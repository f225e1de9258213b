import { describe, expect, it } from 'vitest';
import { IdentifyIndex } from './identify-index';
import { cosine, vec } from './testing/fixtures';

function brute(rows: Map<string, Float32Array>, q: Float32Array, k: number): string[] {
  return [...rows]
    .map(([id, v]) => ({ id, s: cosine(q, v) }))
    .sort((a, b) => b.s - a.s)
    .slice(0, k)
    .map((r) => r.id);
}

describe('IdentifyIndex (SIMD kernel)', () => {
  it('matches a brute-force cosine ranking, across capacity growth and removals', () => {
    const index = new IdentifyIndex(4);
    const rows = new Map<string, Float32Array>();
    for (let i = 0; i < 2500; i++) {
      const v = vec(i + 1).map((x) => x * (1 + (i % 5))); // unnormalised on purpose
      rows.set(`t${i}`, v);
      index.add(`t${i}`, `s${i % 1000}`, v);
    }
    for (let i = 0; i < 2500; i += 3) {
      expect(index.remove(`t${i}`)).toBe(true);
      rows.delete(`t${i}`);
    }
    expect(index.remove('t0')).toBe(false);
    expect(index.size).toBe(rows.size);
    for (const seed of [5, 77, 901, 2000]) {
      const q = vec(seed + 1).map((x, i) => x + 0.3 * vec(9999)[i]!);
      const got = index.search(q, 10);
      expect(got.map((g) => g.templateId)).toEqual(brute(rows, q, 10));
      got.forEach((g) => expect(g.score).toBeCloseTo(cosine(q, rows.get(g.templateId)!), 5));
      expect(got[0]!.subjectId).toBe(`s${Number(got[0]!.templateId.slice(1)) % 1000}`);
    }
  });

  it('removes by subject, replaces on re-add and handles k larger than the index', () => {
    const index = new IdentifyIndex();
    index.add('a1', 'a', vec(1));
    index.add('a2', 'a', vec(2));
    index.add('b1', 'b', vec(3));
    expect(index.search(vec(1), 50).map((m) => m.templateId)).toHaveLength(3);
    expect(index.removeSubject('a')).toBe(2);
    expect(index.search(vec(1), 5).map((m) => m.subjectId)).toEqual(['b']);
    index.add('b1', 'b', vec(4));
    expect(index.size).toBe(1);
    expect(index.search(vec(4), 1)[0]!.score).toBeCloseTo(1, 6);
    expect(new IdentifyIndex().search(vec(1), 3)).toEqual([]);
  });
});
