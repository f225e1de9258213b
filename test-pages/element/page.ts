// Test page: builds a <face-verify> from the query string so each spec picks its setup, and
// records the element's events (types and details, which never hold personal data) on window.

import '../../src/define';
import { grantFrom } from '../../src/index';
import type { FaceVerify } from '../../src/element/face-verify';

const q = new URLSearchParams(location.search);
const el = document.createElement('face-verify') as FaceVerify;
for (const name of [
  'endpoint',
  'mode',
  'subject',
  'lang',
  'backend',
  'challenges',
  'policy-version',
  'asset-base',
  'challenge-timeout',
  'challenge-attempts',
]) {
  const v = q.get(name);
  if (v !== null) el.setAttribute(name, v);
}
for (const flag of ['require-guardian', 'device-binding', 'manual']) {
  if (q.has(flag)) el.setAttribute(flag, '');
}
// The host backend: POST /host/grant beside the test endpoint mints each session's grant.
const endpoint = q.get('endpoint');
const getGrant = grantFrom(new URL('/host/grant', endpoint ?? location.href));
el.getGrant = getGrant;
const policy = q.get('policy');
if (policy !== null) {
  const p = document.createElement('p');
  p.slot = 'policy';
  p.textContent = policy;
  el.append(p);
}
const alt = document.createElement('a');
alt.slot = 'alternative';
alt.href = '#other';
alt.textContent = 'Verify by SMS instead';
el.append(alt);

// ?scripted=MODE: component tests of the challenge/result screens (see scripted-engine.ts).
const scripted = q.get('scripted');
if (scripted) {
  const [{ defaultEffects }, { scriptedEngine }] = await Promise.all([
    import('../../src/pipeline/adapters'),
    import('./scripted-engine'),
  ]);
  el.effects = {
    ...defaultEffects(getGrant),
    engine: scriptedEngine({
      modelId: q.get('model') ?? '',
      face: Number(q.get('face') ?? 1),
      mode: scripted as 'pass',
      noFaceFrames: Number(q.get('no-face-frames') ?? 5),
      actMs: Number(q.get('act-ms') ?? 700),
    }),
  };
}

const events: { type: string; detail: unknown }[] = [];
for (const type of ['fv-consent', 'fv-step', 'fv-progress', 'fv-result', 'fv-error']) {
  document.addEventListener(type, (e) => events.push({ type, detail: (e as CustomEvent).detail }));
}
Object.assign(window, { fvEvents: events, fv: el });
document.getElementById('host')!.append(el);
