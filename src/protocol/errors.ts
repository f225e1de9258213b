// Stable error codes shared by the endpoint and the browser client. Codes are part of the public
// API: never rename one, only add. The HTTP status is advisory; clients branch on `code`.

export const ERROR_STATUS = {
  // Transport and request shape.
  bad_request: 400,
  body_too_large: 413,
  unsupported_media_type: 415,
  not_found: 404,
  method_not_allowed: 405,
  rate_limited: 429,
  unauthorized: 401,
  origin_not_allowed: 403,
  // Envelope and protocol.
  unsupported_version: 400,
  unknown_key_id: 400,
  bad_signature: 401,
  decrypt_failed: 400,
  malformed_payload: 400,
  session_unknown: 404,
  session_mismatch: 400,
  session_expired: 410,
  nonce_used: 409,
  purpose_mismatch: 400,
  subject_mismatch: 400,
  model_not_accepted: 400,
  model_mismatch: 409,
  bad_vector: 400,
  liveness_order: 422,
  liveness_timing: 422,
  liveness_score: 422,
  spoof_suspected: 422,
  device_key_mismatch: 403,
  // Subjects, consent and abuse control.
  subject_not_found: 404,
  subject_exists: 409,
  subject_suspended: 423,
  subject_locked: 423,
  consent_required: 403,
  // Host grants (who may open a session).
  grant_required: 401,
  grant_invalid: 401,
  grant_expired: 401,
  grant_used: 409,
  /** The operator removed every device key or never let this device in: add it first. */
  device_not_registered: 403,
  // Client-side only (never sent by the server).
  network: 0,
  bad_response: 0,
  internal: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_STATUS, value);
}

/** Error with a stable code; thrown by decoders, validators, the server and the client. */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string = code, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

/** JSON body of every error response. `message` is for humans and may change. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string };
}
