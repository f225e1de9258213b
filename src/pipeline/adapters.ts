// The default wiring of the flow's ports: the real engine, the endpoint client and IndexedDB.
// Loaded lazily by the element, so importing the element loads no model code.

import { ApiError, createApiClient, type ApiClient, type GrantSource } from '../api/client';
import type { ErrorCode } from '../protocol/errors';
import type { Purpose } from '../protocol/payload';
import { receiptClaimsOf } from '../protocol/receipt';
import type { SessionResponse } from '../protocol/api';

type SessionOptions = NonNullable<Parameters<ApiClient['createSession']>[3]>;
import { LocalStore } from '../storage/db';
import {
  FlowEffectError,
  type ApiPort,
  type CaptureRequest,
  type ConsentDecision,
  type Effects,
  type SessionGrant,
  type StoragePort,
} from '../flow/effects';
import type { FlowErrorCode, FlowResult, Mode } from '../flow/machine';
import { createEngine, type EngineExtraction } from './engine';

const PURPOSE: Record<Mode, Purpose> = {
  enroll: 'enroll',
  verify: 'verify',
  identify: 'identify',
  'add-device': 'add-device',
};

/** Endpoint error codes → what the person is told. */
export function flowCodeOf(code: ErrorCode): FlowErrorCode {
  switch (code) {
    case 'network':
    case 'bad_response':
    case 'rate_limited':
      return 'endpoint-unreachable';
    case 'session_expired':
    case 'session_unknown':
    case 'nonce_used':
      return 'session-expired';
    case 'liveness_order':
    case 'liveness_timing':
    case 'liveness_score':
      return 'liveness-failed';
    case 'spoof_suspected':
      return 'spoof-suspected';
    case 'subject_locked':
    case 'subject_suspended':
      return 'locked';
    case 'subject_not_found':
      return 'not-enrolled';
    case 'device_key_mismatch':
    case 'device_not_registered':
      return 'device-not-registered';
    case 'grant_required':
    case 'grant_invalid':
    case 'grant_expired':
    case 'grant_used':
      return 'not-authorised';
    case 'consent_required':
      return 'consent-required';
    case 'origin_not_allowed':
    case 'unauthorized':
      return 'misconfigured';
    default:
      return 'rejected';
  }
}

function wrap(error: unknown): unknown {
  if (error instanceof ApiError) {
    return new FlowEffectError(flowCodeOf(error.code), `${error.code}: ${error.message}`, {
      cause: error,
    });
  }
  return error;
}

let storePromise: Promise<LocalStore> | null = null;
function store(): Promise<LocalStore> {
  storePromise ??= LocalStore.open().catch((error: unknown) => {
    storePromise = null;
    throw new FlowEffectError('storage-failed', String(error), { cause: error });
  });
  return storePromise;
}

export const localStorage: StoragePort = {
  async getConsent(policyVersion, subject) {
    const c = await (await store()).acceptedConsent(subject, policyVersion);
    if (!c) return null;
    return {
      policyVersion: c.policyVersion,
      purposes: c.purposes,
      sensitive: true,
      guardian: c.guardian,
      at: c.at,
    };
  },
  async putConsent(r: ConsentDecision) {
    try {
      await (
        await store()
      ).putConsent({
        subject: r.subject,
        policyVersion: r.policyVersion,
        purposes: [...r.purposes],
        sensitive: r.sensitive,
        guardian: r.guardian,
        outcome: r.outcome,
        mode: r.mode,
        lang: r.lang,
        at: r.at,
      });
    } catch (error) {
      throw new FlowEffectError('storage-failed', String(error), { cause: error });
    }
  },
  async getCamera() {
    return (await store()).getPreference('cameraId');
  },
  async setCamera(deviceId) {
    await (await store()).setPreference('cameraId', deviceId);
  },
  async clear() {
    await (await store()).clear();
  },
};

class EndpointApi implements ApiPort {
  private readonly client: ApiClient;
  private readonly sessions = new WeakMap<SessionGrant, SessionResponse>();
  // The session opened to record consent (its grant authorises the record) is the one the
  // capture then uses: one host grant per attempt.
  private pending: { key: string; wire: SessionResponse } | null = null;

  constructor(endpoint: string, getGrant?: GrantSource) {
    this.client = createApiClient({
      endpoint: new URL(endpoint, document.baseURI).href,
      deviceKey: async () => (await store()).deviceKey(),
      ...(getGrant ? { getGrant } : {}),
    });
  }

  private open(mode: Mode, subject: string, signal: AbortSignal, o: SessionOptions = {}) {
    return this.client.createSession(
      PURPOSE[mode],
      mode === 'identify' ? undefined : subject,
      signal,
      o,
    );
  }

  async createSession(request: CaptureRequest, signal: AbortSignal): Promise<SessionGrant> {
    try {
      const key = `${request.mode}\u0000${request.subject}`;
      const pending = this.pending;
      this.pending = null;
      const wire =
        pending && pending.key === key && pending.wire.expiresAt - Date.now() > 60_000
          ? pending.wire
          : await this.open(request.mode, request.subject, signal, {
              challenges: request.challengeCount,
              ...(request.challengeSet ? { challengeSet: request.challengeSet } : {}),
            });
      const grant: SessionGrant = {
        sessionId: wire.sessionId,
        challenges: wire.challenges,
        expiresAt: wire.expiresAt,
        modelIds: wire.modelIds,
      };
      this.sessions.set(grant, wire);
      return grant;
    } catch (error) {
      throw wrap(error);
    }
  }

  async submit(
    session: SessionGrant,
    request: CaptureRequest,
    extraction: EngineExtraction | { kind: 'extraction' },
    signal: AbortSignal,
  ): Promise<FlowResult> {
    const wire = this.sessions.get(session);
    if (!wire || !('capture' in extraction)) {
      throw new FlowEffectError('internal', 'submission without its session or capture');
    }
    const capture = extraction.capture;
    try {
      if (request.mode === 'enroll') {
        const { receipt, ...r } = await this.client.enroll(wire, capture, signal);
        return {
          signed: { claims: receiptClaimsOf({ purpose: 'enroll', ...r }), receipt },
          decision: 'enrolled',
          score: null,
          threshold: null,
          sessionId: r.sessionId,
          subject: r.subjectId,
          candidates: [],
          reason: r.replaced ? 'replaced' : null,
        };
      }
      if (request.mode === 'verify' || request.mode === 'add-device') {
        const { receipt, ...r } =
          request.mode === 'verify'
            ? await this.client.verify(wire, capture, signal)
            : await this.client.addDevice(wire, capture, signal);
        // verify and add-device sign the same claims (receiptClaimsOf reads no other field).
        const claims = receiptClaimsOf({ purpose: 'verify', ...r });
        return {
          signed: { claims: { ...claims, purpose: request.mode }, receipt },
          decision: r.decision,
          score: r.score,
          threshold: r.threshold,
          sessionId: r.sessionId,
          subject: r.subjectId,
          candidates: [],
          reason: r.decision === 'no-match' ? 'below-threshold' : null,
        };
      }
      const { receipt, ...r } = await this.client.identify(wire, capture, 5, signal);
      // One result per submitted vector, in order: face 0 is the primary face.
      const faces = [...r.results]
        .sort((a, b) => a.face - b.face)
        .map((f) => {
          const candidates = f.candidates.map((c) => ({ subject: c.subjectId, score: c.score }));
          return {
            subject: f.match?.subjectId ?? null,
            score: f.match?.score ?? candidates[0]?.score ?? null,
            candidates,
          };
        });
      const first = faces[0];
      return {
        decision: first?.subject ? 'match' : 'no-match',
        score: first?.score ?? null,
        threshold: r.threshold,
        sessionId: r.sessionId,
        subject: first?.subject ?? null,
        candidates: first?.candidates ?? [],
        reason: first?.subject ? null : 'no-candidate-above-threshold',
        faces,
        signed: { claims: receiptClaimsOf({ purpose: 'identify', ...r }), receipt },
      };
    } catch (error) {
      throw wrap(error);
    }
  }

  async recordConsent(record: ConsentDecision, signal: AbortSignal): Promise<void> {
    // Identify has no subject yet: the record stays on the device until one is known.
    if (!record.subject) return;
    try {
      const mode = (record.mode as Mode) in PURPOSE ? (record.mode as Mode) : 'enroll';
      const wire = await this.open(mode, record.subject, signal, {
        ...(record.challengeSet ? { challengeSet: record.challengeSet } : {}),
      });
      this.pending = { key: `${mode}\u0000${record.subject}`, wire };
      await this.client.recordConsent(
        {
          sessionId: wire.sessionId,
          subjectId: record.subject,
          policyVersion: record.policyVersion,
          purposes: record.purposes.map((p) => PURPOSE[p as Mode] ?? p),
          sensitive: record.sensitive,
          guardian: record.guardian,
          accepted: record.outcome === 'accepted',
        },
        signal,
      );
    } catch (error) {
      throw wrap(error);
    }
  }

  async withdraw(subject: string, signal: AbortSignal): Promise<void> {
    if (!subject) return;
    try {
      await this.client.withdrawConsent(subject, signal);
    } catch (error) {
      throw wrap(error);
    }
  }
}

/** `getGrant`: the element's source of host grants (its `getGrant` property or `grant`). */
export function defaultEffects(getGrant?: GrantSource): Effects {
  // One client per endpoint, so the session opened for consent is the one the capture uses.
  const apis = new Map<string, EndpointApi>();
  return {
    storage: localStorage,
    api: (endpoint) => {
      let api = apis.get(endpoint);
      if (!api) apis.set(endpoint, (api = new EndpointApi(endpoint, getGrant)));
      return api;
    },
    engine: (options) => createEngine(options),
  };
}
