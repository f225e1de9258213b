// Node-side helpers for the Playwright specs that drive test-pages/inference/harness.ts.
import type { Page } from '@playwright/test';
import type { FaceResult, View } from './harness';

// '/' serves public/ (built by npm install). FV_ASSET_BASE lets a developer point elsewhere.
export const assetBase = process.env['FV_ASSET_BASE'] ?? '/';
export const photo = (n: number) => `/node_modules/@vladmandic/face-api/demo/sample${n}.jpg`;

export async function openHarness(page: Page): Promise<void> {
  await page.goto(`/test-pages/inference/?assetBase=${encodeURIComponent(assetBase)}`);
  await page.waitForFunction(() => document.body.dataset['ready'] === 'true');
}

export async function faceOf(page: Page, url: string, view: View): Promise<FaceResult> {
  const result = await page.evaluate(([u, v]) => window.fvHarness.face(u, v, 'centre'), [
    url,
    view,
  ] as const);
  if (!result) throw new Error(`no face in ${url} ${JSON.stringify(view)}`);
  return result;
}

/** Square crop of `scale` × the face box around its centre, shifted by (dx, dy) box widths. */
export function around(
  box: { x: number; y: number; width: number; height: number },
  scale: number,
  dx = 0,
  dy = 0,
) {
  const side = Math.max(box.width, box.height) * scale;
  const cx = box.x + box.width / 2 + dx * box.width;
  const cy = box.y + box.height / 2 + dy * box.height;
  return [cx - side / 2, cy - side / 2, side, side] as [number, number, number, number];
}
