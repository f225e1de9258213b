// Verification metrics from genuine and impostor similarity scores (higher = more similar).

export interface Roc {
  auc: number;
  eer: number;
  /** Score at the equal-error point (midpoint of the gap when the sets separate). */
  eerThreshold: number;
  tarAtFar(far: number): number;
  /** False accept / reject rates when accepting score >= t. */
  ratesAt(t: number): { far: number; frr: number };
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (rank - lo);
}

export function roc(genuine: number[], impostor: number[]): Roc {
  if (genuine.length === 0 || impostor.length === 0) {
    throw new Error('need at least one genuine and one impostor score');
  }
  const g = [...genuine].sort((a, b) => a - b);
  const im = [...impostor].sort((a, b) => a - b);
  // AUC = P(genuine > impostor) + ½ P(tie), by a merge over both sorted lists.
  let wins = 0;
  let below = 0;
  for (const s of g) {
    while (below < im.length && im[below]! < s) below++;
    let ties = 0;
    while (below + ties < im.length && im[below + ties]! === s) ties++;
    wins += below + ties / 2;
  }
  const auc = wins / (g.length * im.length);

  const ratesAt = (t: number) => ({
    far: im.filter((s) => s >= t).length / im.length,
    frr: g.filter((s) => s < t).length / g.length,
  });

  // Sweep candidate thresholds (every score, plus just above the maximum).
  const candidates = [...new Set([...g, ...im])].sort((a, b) => a - b);
  candidates.push(candidates[candidates.length - 1]! + 1e-9);
  let best = { gap: Infinity, eer: 1, t: 0 };
  for (const t of candidates) {
    const { far, frr } = ratesAt(t);
    const gap = Math.abs(far - frr);
    if (gap < best.gap) best = { gap, eer: (far + frr) / 2, t };
  }
  let eerThreshold = best.t;
  if (g[0]! > im[im.length - 1]!) {
    eerThreshold = (g[0]! + im[im.length - 1]!) / 2;
    best.eer = 0;
  }

  const tarAtFar = (target: number) => {
    // Lowest threshold whose FAR stays within the target gives the highest TAR.
    let tar = 0;
    for (const t of candidates) {
      const { far, frr } = ratesAt(t);
      if (far <= target) {
        tar = 1 - frr;
        break;
      }
    }
    return tar;
  };

  return { auc, eer: best.eer, eerThreshold, tarAtFar, ratesAt };
}
