// Checks shared by several routes: subject state, consent, lockout.

import { ProtocolError } from '../../protocol/errors';
import type { AppDeps } from '../context';
import type { SubjectRecord } from '../store/types';

/** Subject exists, is not suspended by the operator and not locked by repeated failures. */
export async function checkSubjectUsable(
  d: AppDeps,
  subjectId: string,
  now: number,
): Promise<SubjectRecord> {
  const subject = await d.store.getSubject(subjectId);
  if (!subject) throw new ProtocolError('subject_not_found');
  if (subject.suspendedUntil !== null && subject.suspendedUntil > now) {
    throw new ProtocolError('subject_suspended');
  }
  const since = now - d.config.lockout.windowMs;
  if ((await d.store.countFailures(subjectId, since)) >= d.config.lockout.maxFailures) {
    throw new ProtocolError('subject_locked');
  }
  return subject;
}

/** The subject's latest consent must be an accepted, unwithdrawn sensitive-data consent. */
export async function checkConsent(d: AppDeps, subjectId: string): Promise<void> {
  if (!d.config.requireConsent) return;
  const consents = await d.store.listConsents(subjectId);
  const latest = consents.at(-1);
  if (!latest || !latest.accepted || !latest.sensitive || latest.withdrawnAt !== null) {
    throw new ProtocolError('consent_required');
  }
}
