import { html, nothing } from 'lit';
import type { StepContext } from './context';

/** Purposes and data list (REQUIREMENTS: Baidu 3.1(5) a–c), separate sensitive-data consent. */
export function renderConsent(c: StepContext) {
  const { t, state } = c;
  return html`
    <form part="consent" class="consent" @submit=${c.onAccept} novalidate>
      <h2 tabindex="-1" part="heading">${t('consent.heading')}</h2>
      <p>${t('consent.intro')}</p>
      <h3>${t('consent.purposes')}</h3>
      <p part="purposes">${t(`consent.purpose.${state.mode}`)}</p>
      <h3>${t('consent.data')}</h3>
      <ul part="data-list">
        <li>${t('consent.data.local')}</li>
        <li>${t('consent.data.vector')}</li>
        <li>${t('consent.data.result')}</li>
        <li>${t('consent.data.retention')}</li>
        <li>${t('consent.data.rights')}</li>
      </ul>
      <details part="policy">
        <summary>${t('consent.policy')}</summary>
        <div class="policy">
          <slot name="policy">${c.policyText ? html`<p>${c.policyText}</p>` : nothing}</slot>
        </div>
        <p class="muted">
          ${t('consent.policyVersion')}: <code>${shortVersion(c.policyVersion)}</code>
        </p>
      </details>
      <label class="check" part="sensitive">
        <input type="checkbox" name="sensitive" aria-describedby="consent-error" />
        <span>${t('consent.sensitive')}</span>
      </label>
      ${
        c.requireGuardian
          ? html`<label class="check" part="guardian">
              <input type="checkbox" name="guardian" aria-describedby="consent-error" />
              <span>${t('consent.guardian')}</span>
            </label>`
          : nothing
      }
      <p id="consent-error" class="alert" role="alert">
        ${
          c.consentError === 'sensitive'
            ? t('consent.needSensitive')
            : c.consentError === 'guardian'
              ? t('consent.needGuardian')
              : nothing
        }
      </p>
      <div class="actions">
        <button type="submit" class="primary" part="button accept">${t('consent.accept')}</button>
        <button type="button" part="button decline" @click=${c.onDecline}>
          ${t('consent.decline')}
        </button>
      </div>
    </form>
  `;
}

function shortVersion(v: string): string {
  return v.length > 23 ? `${v.slice(0, 23)}…` : v;
}
