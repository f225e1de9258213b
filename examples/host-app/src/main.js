// The page: <face-verify> with a grant from our backend for every session, and every result
// sent to our backend, which trusts only the endpoint's signed receipt (never the page).
import 'face-verify/define';
import { grantFrom } from 'face-verify';

const ENDPOINT = import.meta.env.VITE_FV_ENDPOINT ?? 'http://127.0.0.1:8797';
// A real app knows who is signed in; here `?mode=enroll|verify&subject=…` chooses.
const q = new URLSearchParams(location.search);
const fv = document.querySelector('face-verify');
fv.setAttribute('endpoint', ENDPOINT);
fv.setAttribute('mode', q.get('mode') ?? 'enroll');
fv.setAttribute('subject', q.get('subject') ?? 'alice');

// Every session (start, retry, data rights) asks our backend's grant route first.
fv.getGrant = grantFrom('/api/grant');

const verdict = document.getElementById('verdict');
fv.addEventListener('fv-result', async (e) => {
  const res = await fetch('/api/check', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(e.detail.signed),
  });
  const { verified, decision } = await res.json();
  verdict.dataset.verified = String(verified);
  verdict.dataset.decision = decision ?? '';
  verdict.textContent = verified
    ? `Our backend checked the endpoint's signature: ${decision}`
    : 'Our backend could not verify the result';
});
