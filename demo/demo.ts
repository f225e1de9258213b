// Demo page: drives <face-verify> against the local endpoint (proxied at /fv) and shows the
// operator's face library through /fv-admin (scripts/start.ts adds the operator key there).

import '../src/define';
import { grantFrom } from '../src/index';
import { createApiClient } from '../src/api/client';
import type { FaceVerify } from '../src/element/face-verify';
import { LocalStore } from '../src/storage/db';

const $ = <T extends HTMLElement>(sel: string) => document.querySelector<T>(sel)!;
const form = $<HTMLFormElement>('#setup');
const widget = $('#widget');
const log = $('#log');
let el: FaceVerify | null = null;

function settings() {
  const data = new FormData(form);
  return {
    mode: String(data.get('mode') ?? 'enroll'),
    subject: String(data.get('subject') ?? '').trim(),
    lang: String(data.get('lang') ?? 'auto'),
    backend: String(data.get('backend') ?? 'auto'),
    guardian: data.get('guardian') !== null,
  };
}

/** Asks the demo's host backend (scripts/start.ts) for a grant, as an integrator's page would. */
const getGrant = grantFrom('/demo-host/grant');

function load(): void {
  const s = settings();
  el?.remove();
  const next = document.createElement('face-verify');
  next.setAttribute('endpoint', '/fv');
  next.getGrant = getGrant;
  next.setAttribute('mode', s.mode);
  if (s.mode !== 'identify') next.setAttribute('subject', s.subject);
  next.setAttribute('lang', s.lang);
  next.setAttribute('backend', s.backend);
  if (s.guardian) next.setAttribute('require-guardian', '');
  const alt = document.createElement('p');
  alt.slot = 'alternative';
  alt.innerHTML = '<a href="#sms">Verify with a text message instead</a> (demo link)';
  next.append(alt);
  widget.replaceChildren(next);
  el = next;
}

// Events carry decisions, scores and codes only (never a frame or a vector): safe to show.
for (const type of ['fv-consent', 'fv-step', 'fv-result', 'fv-error'] as const) {
  document.addEventListener(type, (e) => {
    const line = `${new Date().toLocaleTimeString()} ${type} ${JSON.stringify(e.detail)}\n`;
    log.textContent = line + (log.textContent ?? '');
    if (type === 'fv-result' || type === 'fv-consent') void refresh();
  });
}

async function admin<T>(path: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(`/fv-admin${path}`, init);
  const body = (await res.json()) as T & { error?: { code: string } };
  if (!res.ok) throw new Error(body.error?.code ?? `HTTP ${res.status}`);
  return body;
}

interface Summary {
  subjectId: string;
  createdAt: number;
  deviceBound: boolean;
}

async function refresh(): Promise<void> {
  const tbody = $('#subjects');
  try {
    const { subjects } = await admin<{ subjects: Summary[] }>('/v1/subjects?limit=100');
    tbody.replaceChildren(
      ...subjects.map((s) => {
        const tr = document.createElement('tr');
        const cells = [
          s.subjectId,
          new Date(s.createdAt).toLocaleString(),
          s.deviceBound ? 'yes' : 'no',
        ];
        for (const text of cells) {
          const td = document.createElement('td');
          td.textContent = text;
          tr.append(td);
        }
        const td = document.createElement('td');
        const del = document.createElement('button');
        del.type = 'button';
        del.textContent = 'Delete';
        del.setAttribute('aria-label', `Delete ${s.subjectId}`);
        del.addEventListener('click', async () => {
          await admin(`/v1/subjects/${encodeURIComponent(s.subjectId)}`, { method: 'DELETE' });
          await refresh();
        });
        td.append(del);
        tr.append(td);
        return tr;
      }),
    );
  } catch (error) {
    const tr = document.createElement('tr');
    const td = document.createElement('td');
    td.colSpan = 4;
    td.textContent = `Library unavailable: ${(error as Error).message}`;
    tr.append(td);
    tbody.replaceChildren(tr);
  }
}

form.addEventListener('submit', (e) => {
  e.preventDefault();
  load();
});
$('#refresh').addEventListener('click', () => void refresh());
$('#withdraw').addEventListener('click', async () => {
  if (!el) return;
  const ok = await el.withdrawConsent();
  $('#export').textContent = ok
    ? 'Consent withdrawn; local and server data deleted.'
    : 'Consent withdrawn locally; the endpoint did not confirm server deletion.';
  await refresh();
});
$('#export-btn').addEventListener('click', async () => {
  const subject = settings().subject;
  const out = $('#export');
  try {
    const store = await LocalStore.open();
    const client = createApiClient({
      endpoint: new URL('/fv', location.href).href,
      deviceKey: () => store.deviceKey(),
      getGrant,
    });
    const data = await client.exportSubject(subject);
    out.textContent = JSON.stringify(data, null, 2);
  } catch (error) {
    out.textContent = `Export failed: ${(error as Error).message}`;
  }
});

load();
void refresh();
