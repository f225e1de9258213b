// An integrator's page: <face-verify> configured from the query string, its events recorded on
// window.fvEvents (they never hold personal data).
import '../../src/define';
import { grantFrom } from '../../src/index';

const q = new URLSearchParams(location.search);
const el = document.createElement('face-verify');
for (const name of [
  'endpoint',
  'mode',
  'subject',
  'lang',
  'backend',
  'challenges',
  'challenge-timeout',
  'challenge-attempts',
  'challenge-set',
]) {
  const v = q.get(name);
  if (v !== null) el.setAttribute(name, v);
}
for (const name of ['multi-face']) {
  if (q.get(name) === 'true') el.setAttribute(name, '');
}
// The integrator's backend mints one host grant per session (e2e/support/endpoint.ts stands in
// for it, beside the endpoint).
const endpoint = q.get('endpoint');
if (endpoint && q.get('grants') !== 'none') {
  el.getGrant = grantFrom(new URL('/host/grant', endpoint));
}
const policy = document.createElement('p');
policy.slot = 'policy';
policy.textContent =
  q.get('policy') ?? 'Example Ltd. privacy policy v1: face data for sign-in only.';
el.append(policy);
const alt = document.createElement('a');
alt.slot = 'alternative';
alt.href = '#sms';
alt.textContent = q.get('lang') === 'zh-CN' ? '改用短信验证' : 'Verify by SMS instead';
el.append(alt);

const events: { type: string; detail: unknown }[] = [];
for (const type of ['fv-consent', 'fv-step', 'fv-progress', 'fv-result', 'fv-error']) {
  document.addEventListener(type, (e) => events.push({ type, detail: (e as CustomEvent).detail }));
}
Object.assign(window, { fvEvents: events });
document.getElementById('host')!.append(el);
