// One passive anti-spoof score per capture, from the per-frame scores of the inference worker.

/**
 * The primary face's lower median over its kept frames, and every other face on its own.
 *
 * A replay shows one medium in every frame and scores low throughout, so the median still
 * refuses it; the minimum (used before) also refused genuine people for a single frame caught
 * mid-blink or mid-turn. Each other face counts by itself, so a photo held up beside a live
 * person is still caught.
 */
export function sessionAntiSpoof(primary: readonly number[], others: readonly number[]): number {
  if (primary.length === 0) throw new RangeError('no primary-face frame was scored');
  const sorted = [...primary].sort((a, b) => a - b);
  const median = sorted[Math.floor((sorted.length - 1) / 2)]!;
  return Math.min(median, ...others);
}
