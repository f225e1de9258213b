// Browser client of the verification endpoint. Builds, seals and signs payloads; every failure is
// an ApiError carrying the server's stable code, or 'network' / 'bad_response' from here.

import type {
  AddDeviceResponse,
  ConsentRequest,
  ConsentResponse,
  DeregisterResponse,
  EnrollResponse,
  IdentifyResponse,
  SessionResponse,
  SubjectExport,
  VerifyResponse,
  WithdrawResponse,
} from '../protocol/api';
import { fromBase64Url, toBase64Url } from '../protocol/encoding';
import { ProtocolError, isErrorCode, type ErrorCode } from '../protocol/errors';
import {
  PROTOCOL_VERSION,
  rightsSignedBytes,
  type ChallengeEvidenceWire,
  type ChallengeSet,
  type Purpose,
  type QualitySummary,
  type RightsAction,
  type RightsProof,
} from '../protocol/payload';
import { exportPublicKeyRaw } from '../crypto/keys';
import { sealSubmission } from '../crypto/seal';
import { sign } from '../crypto/sign';

export type { SubjectExport };

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** HTTP status, 0 when no response arrived. */
    readonly status: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** What the engine produced for one capture; the client adds session, nonce and time. */
export interface Capture {
  modelId: string;
  /** One L2-normalised 512-d vector per face (exactly one for enroll/verify). */
  vectors: Float32Array[];
  liveness: ChallengeEvidenceWire[];
  antiSpoof: number;
  quality: QualitySummary;
}

/** What the host's backend is asked to authorise (one session). */
export interface GrantRequest {
  purpose: Purpose;
  /** '' for identify. */
  subjectId: string;
  challengeSet?: ChallengeSet;
}

/**
 * Returns a host grant for one session (minted by the host's backend with `mintGrant`), or
 * undefined against an endpoint in development mode (FV_OPEN_SESSIONS).
 */
export type GrantSource = (request: GrantRequest) => Promise<string | undefined>;

export interface ApiClientOptions {
  /** Called before every session (capture, consent and data rights). */
  getGrant?: GrantSource;
  /** Base URL of the endpoint, e.g. https://example.com/fv */
  endpoint: string;
  /** The device key pair (from LocalStore.deviceKey()). */
  deviceKey: () => Promise<CryptoKeyPair>;
  /** Defaults to location.origin. Outside a browser it is also sent as the Origin header. */
  origin?: string;
  fetch?: typeof fetch;
  now?: () => number;
}

export interface ApiClient {
  /** `options.challenges`: requested challenge count (the endpoint clamps it to its policy). */
  createSession(
    purpose: Purpose,
    subjectId?: string,
    signal?: AbortSignal,
    options?: { challenges?: number; challengeSet?: ChallengeSet; grant?: string },
  ): Promise<SessionResponse>;
  enroll(session: SessionResponse, capture: Capture, signal?: AbortSignal): Promise<EnrollResponse>;
  verify(session: SessionResponse, capture: Capture, signal?: AbortSignal): Promise<VerifyResponse>;
  /** Registers this device's key for the subject when the capture matches its templates. */
  addDevice(
    session: SessionResponse,
    capture: Capture,
    signal?: AbortSignal,
  ): Promise<AddDeviceResponse>;
  identify(
    session: SessionResponse,
    capture: Capture,
    k?: number,
    signal?: AbortSignal,
  ): Promise<IdentifyResponse>;
  /** `consent.sessionId`: a live session the host granted for the same subject. */
  recordConsent(consent: ConsentRequest, signal?: AbortSignal): Promise<ConsentResponse>;
  /** Withdraw consent: the server deletes the subject's templates. */
  withdrawConsent(subjectId: string, signal?: AbortSignal): Promise<WithdrawResponse>;
  exportSubject(subjectId: string, signal?: AbortSignal): Promise<SubjectExport>;
  /** Deregister: irrecoverable deletion of the subject (consent records stay as the legal record). */
  deleteSubject(subjectId: string, signal?: AbortSignal): Promise<DeregisterResponse>;
}

export function createApiClient(options: ApiClientOptions): ApiClient {
  const base = options.endpoint.replace(/\/+$/, '');
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const now = options.now ?? Date.now;
  const explicitOrigin = options.origin;
  const origin = (): string => {
    const o = explicitOrigin ?? (globalThis as { location?: { origin?: string } }).location?.origin;
    if (!o) throw new ApiError('bad_request', 'origin unknown outside a browser', 0);
    return o;
  };

  async function call<T>(path: string, body: unknown, signal?: AbortSignal): Promise<T> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (explicitOrigin && typeof (globalThis as { document?: unknown }).document === 'undefined') {
      headers['origin'] = explicitOrigin;
    }
    let res: Response;
    try {
      res = await doFetch(`${base}${path}`, {
        method: 'POST',
        headers,
        body: JSON.stringify(body),
        credentials: 'omit',
        ...(signal ? { signal } : {}),
      });
    } catch (cause) {
      if (signal?.aborted) throw cause;
      throw new ApiError('network', 'endpoint unreachable', 0, { cause });
    }
    let json: unknown;
    try {
      json = await res.json();
    } catch (cause) {
      throw new ApiError('bad_response', `unreadable response (HTTP ${res.status})`, res.status, {
        cause,
      });
    }
    if (!res.ok) {
      const err = (json as { error?: { code?: unknown; message?: unknown } } | null)?.error;
      const code = isErrorCode(err?.code) ? err.code : 'bad_response';
      const message = typeof err?.message === 'string' ? err.message : `HTTP ${res.status}`;
      throw new ApiError(code, message, res.status);
    }
    return json as T;
  }

  async function submit<T>(
    route: string,
    session: SessionResponse,
    capture: Capture,
    signal?: AbortSignal,
  ): Promise<T> {
    let envelope;
    try {
      envelope = await sealSubmission({
        payload: {
          version: PROTOCOL_VERSION,
          sessionId: session.sessionId,
          nonce: fromBase64Url(session.nonce),
          purpose: session.purpose,
          subject: session.subjectId ?? '',
          modelId: capture.modelId,
          vectors: capture.vectors,
          liveness: capture.liveness,
          antiSpoof: capture.antiSpoof,
          quality: capture.quality,
          clientTime: now(),
        },
        keyId: session.keyId,
        recipientPublicKey: fromBase64Url(session.hpkePublicKey),
        origin: origin(),
        deviceKey: await options.deviceKey(),
      });
    } catch (cause) {
      if (cause instanceof ApiError) throw cause;
      const code = cause instanceof ProtocolError ? cause.code : 'malformed_payload';
      throw new ApiError(code, 'could not seal the submission', 0, { cause });
    }
    return call<T>(route, envelope, signal);
  }

  async function openSession(
    purpose: Purpose,
    subjectId: string | undefined,
    signal: AbortSignal | undefined,
    o: { challenges?: number; challengeSet?: ChallengeSet; grant?: string } = {},
  ): Promise<SessionResponse> {
    let grant = o.grant;
    try {
      grant ??= await options.getGrant?.({
        purpose,
        subjectId: subjectId ?? '',
        ...(o.challengeSet ? { challengeSet: o.challengeSet } : {}),
      });
    } catch (cause) {
      if (signal?.aborted) throw cause;
      // The host backend could not be reached (or refused): no session can open.
      throw new ApiError('network', 'the host did not provide a session grant', 0, { cause });
    }
    return call<SessionResponse>(
      '/v1/sessions',
      {
        ...(grant ? { grant } : {}),
        purpose,
        ...(subjectId === undefined ? {} : { subjectId }),
        ...(o.challenges === undefined ? {} : { challenges: o.challenges }),
      },
      signal,
    );
  }

  /** Person-initiated data right: fresh 'rights' session, signed by the registered device key. */
  async function right<T>(action: RightsAction, subjectId: string, signal?: AbortSignal) {
    const session = await openSession('rights', subjectId, signal);
    const keys = await options.deviceKey();
    const nonce = fromBase64Url(session.nonce);
    const sig = await sign(
      keys.privateKey,
      rightsSignedBytes({
        action,
        subjectId,
        sessionId: session.sessionId,
        nonce,
        origin: origin(),
      }),
    );
    const proof: RightsProof = {
      sessionId: session.sessionId,
      nonce: session.nonce,
      deviceKey: toBase64Url(await exportPublicKeyRaw(keys.publicKey)),
      sig: toBase64Url(sig),
    };
    return call<T>(`/v1/subjects/${encodeURIComponent(subjectId)}/${action}`, proof, signal);
  }

  return {
    createSession: (purpose, subjectId, signal, o) => openSession(purpose, subjectId, signal, o),
    enroll: (s, c, signal) => submit('/v1/enroll', s, c, signal),
    verify: (s, c, signal) => submit('/v1/verify', s, c, signal),
    addDevice: (s, c, signal) => submit('/v1/add-device', s, c, signal),
    identify: (s, c, k = 5, signal) => submit(`/v1/identify?k=${k}`, s, c, signal),
    recordConsent: (consent, signal) => call('/v1/consents', consent, signal),
    withdrawConsent: (subjectId, signal) => right('withdraw', subjectId, signal),
    exportSubject: (subjectId, signal) => right('export', subjectId, signal),
    deleteSubject: (subjectId, signal) => right('delete', subjectId, signal),
  };
}
