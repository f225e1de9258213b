// The one schema both backends create, written with each dialect's column types. Changing a
// table here changes it for both; what only one dialect needs (SQLite's STRICT tables, the
// PostgreSQL byte-order collation of subject ids) is a type in `ColumnTypes`.

export interface ColumnTypes {
  /** Epoch milliseconds and counters. */
  int: string;
  real: string;
  bytes: string;
  bool: string;
  /** A JSON array of strings. */
  json: string;
  /** The call log's own row id. */
  serial: string;
  /** Subject ids: compared and paged in byte order. */
  subjectId: string;
  /** After each CREATE TABLE (…). */
  tableSuffix: string;
}

export const schemaSql = (t: ColumnTypes): string => `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)${t.tableSuffix};
CREATE TABLE IF NOT EXISTS subjects (
  subject_id ${t.subjectId} PRIMARY KEY,
  device_public_key ${t.bytes},
  created_at ${t.int} NOT NULL,
  suspended_until ${t.int}
)${t.tableSuffix};
CREATE TABLE IF NOT EXISTS templates (
  template_id TEXT PRIMARY KEY,
  subject_id TEXT NOT NULL REFERENCES subjects(subject_id) ON DELETE CASCADE,
  model_id TEXT NOT NULL,
  key_id TEXT NOT NULL,
  iv ${t.bytes} NOT NULL,
  ct ${t.bytes} NOT NULL,
  created_at ${t.int} NOT NULL
)${t.tableSuffix};
CREATE INDEX IF NOT EXISTS templates_subject ON templates(subject_id);
CREATE INDEX IF NOT EXISTS templates_model ON templates(model_id);
CREATE TABLE IF NOT EXISTS template_generations (
  model_id TEXT PRIMARY KEY,
  gen ${t.int} NOT NULL
)${t.tableSuffix};
-- Change log for other instances' identify caches: template ids only, no personal data.
CREATE TABLE IF NOT EXISTS template_changes (
  model_id TEXT NOT NULL,
  gen ${t.int} NOT NULL,
  template_id TEXT NOT NULL,
  op TEXT NOT NULL CHECK (op IN ('add', 'del')),
  PRIMARY KEY (model_id, gen, template_id)
)${t.tableSuffix};
CREATE TABLE IF NOT EXISTS sessions (
  session_id TEXT PRIMARY KEY,
  nonce_hash ${t.bytes} NOT NULL,
  purpose TEXT NOT NULL,
  subject_id TEXT,
  challenges ${t.json} NOT NULL,
  origin TEXT NOT NULL,
  expires_at ${t.int} NOT NULL,
  created_at ${t.int} NOT NULL,
  used_at ${t.int}
)${t.tableSuffix};
CREATE INDEX IF NOT EXISTS sessions_expires ON sessions(expires_at);
CREATE INDEX IF NOT EXISTS sessions_subject ON sessions(subject_id);
CREATE TABLE IF NOT EXISTS consents (
  consent_id TEXT PRIMARY KEY,
  subject_id TEXT NOT NULL,
  policy_version TEXT NOT NULL,
  purposes ${t.json} NOT NULL,
  sensitive ${t.bool} NOT NULL,
  guardian ${t.bool} NOT NULL,
  accepted ${t.bool} NOT NULL,
  at ${t.int} NOT NULL,
  withdrawn_at ${t.int}
)${t.tableSuffix};
CREATE INDEX IF NOT EXISTS consents_subject ON consents(subject_id, at);
CREATE TABLE IF NOT EXISTS verifications (
  id TEXT PRIMARY KEY,
  subject_id TEXT,
  kind TEXT NOT NULL,
  decision TEXT NOT NULL,
  score ${t.real},
  at ${t.int} NOT NULL
)${t.tableSuffix};
CREATE INDEX IF NOT EXISTS verifications_subject ON verifications(subject_id, at);
CREATE INDEX IF NOT EXISTS verifications_at ON verifications(at);
-- Lockout counts (every verify) touch only the subject's failures, not all its records.
CREATE INDEX IF NOT EXISTS verifications_failures ON verifications(subject_id, at)
  WHERE kind = 'verify' AND decision = 'reject';
CREATE TABLE IF NOT EXISTS calls (
  id ${t.serial},
  at ${t.int} NOT NULL,
  route TEXT NOT NULL,
  status INTEGER NOT NULL,
  code TEXT,
  ms ${t.real} NOT NULL,
  client_hash TEXT NOT NULL
)${t.tableSuffix};
CREATE INDEX IF NOT EXISTS calls_at ON calls(at);
-- Device keys: a list per subject (schema 2; subjects.device_public_key is the schema-1 column,
-- moved here by migrate()).
CREATE TABLE IF NOT EXISTS device_keys (
  subject_id TEXT NOT NULL REFERENCES subjects(subject_id) ON DELETE CASCADE,
  key_id TEXT NOT NULL,
  public_key ${t.bytes} NOT NULL,
  added_at ${t.int} NOT NULL,
  PRIMARY KEY (subject_id, key_id)
)${t.tableSuffix};
-- Single use of host grants (ids only; purge() drops them once expired).
CREATE TABLE IF NOT EXISTS grants_used (
  grant_id TEXT PRIMARY KEY,
  expires_at ${t.int} NOT NULL
)${t.tableSuffix};
INSERT INTO meta(key, value) VALUES ('schema_version', '1') ON CONFLICT (key) DO NOTHING;
`;

/**
 * Per-device lockout counts (schema 2). Created after the dialect has added
 * verifications.device_id to a schema-1 database.
 */
export const DEVICE_FAILURES_INDEX = `CREATE INDEX IF NOT EXISTS verifications_device_failures
  ON verifications(subject_id, device_id, at) WHERE kind = 'verify' AND decision = 'reject'`;
