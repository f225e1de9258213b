// Driving the element on the host page: open it, accept consent, wait for the outcome.
import { expect, type Page, type TestInfo } from '@playwright/test';
import { apiOrigin } from './ports';

export interface HostParams {
  mode: 'enroll' | 'verify' | 'identify' | 'add-device';
  subject?: string;
  lang?: 'en' | 'zh-CN';
  backend?: 'auto' | 'wasm' | 'webgpu';
  challenges?: number;
  endpoint?: string;
  'challenge-timeout'?: number;
  'challenge-attempts'?: number;
  'challenge-set'?: 'standard' | 'head';
  'multi-face'?: boolean;
}

export const el = (page: Page) => page.locator('face-verify');

export async function openHost(page: Page, p: HostParams): Promise<void> {
  const q = new URLSearchParams({ endpoint: apiOrigin, lang: 'en', backend: 'wasm' });
  for (const [k, v] of Object.entries(p)) if (v !== undefined) q.set(k, String(v));
  await page.goto(`/e2e/host/?${q}`);
  await expect(el(page)).toHaveAttribute('step', /idle|consent/);
}

/** Ticks the sensitive-data box and accepts; with consent on file, presses Start instead. */
export async function begin(page: Page): Promise<void> {
  // Idle shows Start for a moment before the element has read IndexedDB; settled states are
  // the consent form, or Start next to Withdraw when consent is on file.
  const accept = el(page).locator('[part~="accept"]');
  const withdraw = el(page).locator('[part~="idle"] [part~="withdraw"]');
  await expect(accept.or(withdraw)).toBeVisible();
  if (!(await accept.isVisible())) {
    await el(page).locator('[part~="start"]').click();
    return;
  }
  await el(page).locator('[part~="sensitive"] input').check();
  await el(page).locator('[part~="accept"]').click();
}

export interface Outcome {
  step: string;
  decision: string | null;
  code: string | null;
  text: string;
}

/** Waits for a final step and reports what it shows. */
export async function outcome(page: Page, timeout = 150_000): Promise<Outcome> {
  await expect(el(page)).toHaveAttribute('step', /result|error|cancelled|declined/, { timeout });
  const step = (await el(page).getAttribute('step'))!;
  const result = el(page).locator('[part~="result"]');
  const error = el(page).locator('[part~="error"]');
  return {
    step,
    decision: step === 'result' ? await result.getAttribute('data-decision') : null,
    code: step === 'error' ? await error.getAttribute('data-code') : null,
    text: [
      (await el(page).locator('[part~="root"]').innerText()).replace(/\s+/g, ' '),
      ...(await events(page))
        .filter((e) => e.type === 'fv-error')
        .map((e) => JSON.stringify(e.detail)),
    ].join(' | '),
  };
}

/** Screenshot of the element attached to the report under `name`. */
export async function shot(page: Page, info: TestInfo, name: string): Promise<void> {
  await info.attach(name, { body: await el(page).screenshot(), contentType: 'image/png' });
}

export async function events(
  page: Page,
): Promise<{ type: string; detail: Record<string, unknown> }[]> {
  return page.evaluate(() => (window as unknown as { fvEvents: never }).fvEvents);
}
