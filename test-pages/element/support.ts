// Browser-spec helpers: open the element test page, count getUserMedia calls and track every
// stream it returns (to prove tracks stop), read the element's recorded events.

import { expect, type Page } from '@playwright/test';
import type { FaceVerify } from '../../src/element/face-verify';
import { chromiumArgs, chromiumPath } from '../../e2e/support/chromium';

/** Chromium with its built-in fake camera (a test pattern, no face) and auto-granted prompt. */
export const fakeCamera = {
  executablePath: chromiumPath,
  args: [...chromiumArgs, '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'],
};

/** Init script: wraps getUserMedia to count calls and keep the streams for later inspection. */
export function trackGetUserMedia(): void {
  const w = window as unknown as { gumCalls: number; gumStreams: MediaStream[] };
  if (w.gumStreams) return; // registered twice on one page: wrap once
  w.gumCalls = 0;
  w.gumStreams = [];
  const md = navigator.mediaDevices;
  if (!md?.getUserMedia) return;
  const original = md.getUserMedia.bind(md);
  md.getUserMedia = async (c?: MediaStreamConstraints) => {
    w.gumCalls++;
    const s = await original(c);
    w.gumStreams.push(s);
    return s;
  };
}

export interface PageInfo {
  gumCalls: number;
  liveTracks: number;
}

export async function mediaInfo(page: Page): Promise<PageInfo> {
  return page.evaluate(() => {
    const w = window as unknown as { gumCalls: number; gumStreams: MediaStream[] };
    const live = w.gumStreams
      .flatMap((s) => s.getTracks())
      .filter((t) => t.readyState === 'live').length;
    return { gumCalls: w.gumCalls, liveTracks: live };
  });
}

export interface RecordedEvent {
  type: string;
  detail: Record<string, unknown>;
}

export function recordedEvents(page: Page): Promise<RecordedEvent[]> {
  return page.evaluate(() => (window as unknown as { fvEvents: RecordedEvent[] }).fvEvents);
}

export async function openElement(
  page: Page,
  params: Record<string, string | true>,
  expectStep = 'consent',
): Promise<void> {
  await page.addInitScript(trackGetUserMedia);
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) q.set(k, v === true ? '' : v);
  await page.goto(`/test-pages/element/index.html?${q}`);
  await expect(page.locator('face-verify')).toHaveAttribute('step', expectStep);
}

/** What IndexedDB holds for the widget: consent records and whether a device key exists. */
export function localData(page: Page): Promise<{ consents: number; keys: number; prefs: number }> {
  return page.evaluate(async () => {
    const names = (await indexedDB.databases()).map((d) => d.name);
    if (!names.includes('face-verify')) return { consents: 0, keys: 0, prefs: 0 };
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const r = indexedDB.open('face-verify');
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
    const count = (store: string) =>
      new Promise<number>((resolve) => {
        if (!db.objectStoreNames.contains(store)) return resolve(0);
        const r = db.transaction(store).objectStore(store).count();
        r.onsuccess = () => resolve(r.result);
      });
    const out = {
      consents: await count('consents'),
      keys: await count('keys'),
      prefs: await count('prefs'),
    };
    db.close();
    return out;
  });
}

/** The test page exposes its element as `window.fv`. */
export type FvWindow = Window & { fv: FaceVerify };
