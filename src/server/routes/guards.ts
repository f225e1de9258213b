// Checks shared by several routes.

import { ProtocolError } from '../../protocol/errors';
import type { AppDeps } from '../context';

/** The subject's latest consent must be an accepted, unwithdrawn sensitive-data consent. */
export async function checkConsent(d: AppDeps, subjectId: string): Promise<void> {
  if (!d.config.requireConsent) return;
  const consents = await d.store.listConsents(subjectId);
  const latest = consents.at(-1);
  if (!latest || !latest.accepted || !latest.sensitive || latest.withdrawnAt !== null) {
    throw new ProtocolError('consent_required');
  }
}
