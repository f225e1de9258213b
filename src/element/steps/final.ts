import { html, nothing } from 'lit';
import type { FaceResult } from '../../flow/machine';
import type { StepContext } from './context';

/** Idle, result, declined, cancelled, withdrawn and error: every one offers a way back in. */
export function renderIdle(c: StepContext) {
  const { t } = c;
  return html`
    <section part="idle" class="idle">
      <h2 tabindex="-1" part="heading">${t(`title.${c.state.mode}`)}</h2>
      ${
        c.idleReady
          ? html`<div class="actions">
              <button type="button" class="primary" part="button start" @click=${c.onStart}>
                ${t('start')}
              </button>
              ${c.hasStoredConsent ? withdrawButton(c) : nothing}
            </div>`
          : nothing
      }
    </section>
  `;
}

export function renderResult(c: StepContext) {
  const { t, state } = c;
  const r = state.result;
  if (!r) return nothing;
  const ok = r.decision !== 'no-match';
  const identify = state.mode === 'identify';
  const heading =
    r.decision === 'enrolled'
      ? t('result.enrolled')
      : r.decision === 'no-match'
        ? t('result.noMatch')
        : identify
          ? t('result.identified')
          : t('result.match');
  const body =
    r.decision === 'enrolled'
      ? t('result.enrolled.body')
      : r.decision === 'no-match'
        ? t(identify ? 'result.noMatch.identify' : 'result.noMatch.body')
        : identify
          ? t('result.identified.body', { subject: r.subject ?? '' })
          : t('result.match.body');
  return html`
    <section part="result" class="result ${ok ? 'match' : 'fail'}" data-decision=${r.decision}>
      <div class="result-icon" aria-hidden="true">${ok ? '✓' : '✕'}</div>
      <h2 tabindex="-1" part="heading">${heading}</h2>
      <p role="status">${body}</p>
      ${
        r.score !== null && r.threshold !== null
          ? html`<p class="muted" part="score">
              ${t('result.score', { score: r.score.toFixed(2), threshold: r.threshold.toFixed(2) })}
            </p>`
          : nothing
      }
      ${r.faces && r.faces.length > 1 ? faceList(c, r.faces) : nothing}
      <div class="actions">
        <button type="button" class=${ok ? '' : 'primary'} part="button retry" @click=${c.onRetry}>
          ${t('retry')}
        </button>
        ${withdrawButton(c)}
      </div>
      ${ok ? nothing : alternative()}
    </section>
  `;
}

/** M:N: each searched face's best match, primary face first. */
function faceList(c: StepContext, faces: readonly FaceResult[]) {
  const { t } = c;
  return html`<ol part="faces" class="faces">
    ${faces.map(
      (f, i) =>
        html`<li part="face" data-subject=${f.subject ?? ''}>
          ${
            f.subject !== null && f.score !== null
              ? t('result.face', {
                  n: String(i + 1),
                  subject: f.subject,
                  score: f.score.toFixed(2),
                })
              : t('result.face.none', { n: String(i + 1) })
          }
        </li>`,
    )}
  </ol>`;
}

export function renderError(c: StepContext) {
  const { t, state } = c;
  const e = state.error;
  if (!e) return nothing;
  return html`
    <section part="error" class="result fail" data-code=${e.code}>
      <div class="result-icon" aria-hidden="true">!</div>
      <h2 tabindex="-1" part="heading">${t('error.heading')}</h2>
      <p role="alert" part="reason">${t(`error.${e.code}`)}</p>
      <p class="muted">${t('error.code', { code: e.code })}</p>
      <div class="actions">
        <button type="button" class="primary" part="button retry" @click=${c.onRetry}>
          ${t('retry')}
        </button>
      </div>
      ${alternative()}
    </section>
  `;
}

export function renderDeclined(c: StepContext) {
  const { t } = c;
  return html`
    <section part="declined" class="result">
      <h2 tabindex="-1" part="heading">${t('declined.heading')}</h2>
      <p role="status">${t('declined.body')}</p>
      <div class="actions">
        <button type="button" part="button review" @click=${c.onReviewConsent}>
          ${t('declined.review')}
        </button>
      </div>
      ${alternative()}
    </section>
  `;
}

export function renderCancelled(c: StepContext) {
  const { t } = c;
  return html`
    <section part="cancelled" class="result">
      <h2 tabindex="-1" part="heading">${t('cancelled.heading')}</h2>
      <p role="status">${t('cancelled.body')}</p>
      <div class="actions">
        <button type="button" class="primary" part="button retry" @click=${c.onRetry}>
          ${t('retry')}
        </button>
        ${c.state.consent ? withdrawButton(c) : nothing}
      </div>
      ${alternative()}
    </section>
  `;
}

export function renderWithdrawn(c: StepContext) {
  const { t } = c;
  return html`
    <section part="withdrawn" class="result">
      <h2 tabindex="-1" part="heading">${t('withdrawn.heading')}</h2>
      <p role="status">
        ${c.withdrawStatus === 'partial' ? t('withdrawn.partial') : t('withdrawn.body')}
      </p>
      <div class="actions">
        <button type="button" part="button review" @click=${c.onReviewConsent}>
          ${t('declined.review')}
        </button>
      </div>
    </section>
  `;
}

function withdrawButton(c: StepContext) {
  return html`<button type="button" part="button withdraw" @click=${c.onWithdraw}>
    ${c.t('withdraw')}
  </button>`;
}

/** The host page's other way to verify; hidden when the host puts nothing in the slot. */
function alternative() {
  return html`<div part="alternative" class="alternative">
    <slot name="alternative"></slot>
  </div>`;
}
