// face-verify/server: the verification endpoint for a Node host, and what the host's own backend
// needs around it (grants to open sessions, receipt checks). Node only.
export { createApp, type CreateAppOptions } from './app';
export { startServer, type RunningServer, type StartOptions } from './main';
export { nodeHandler, type NodeHandler, type NodeHandlerOptions } from './node-handler';
export {
  mintGrant,
  verifyGrant,
  MAX_GRANT_TTL_MS,
  MIN_GRANT_SECRET_LENGTH,
  type GrantClaims,
  type GrantRequest,
} from './grants';
export {
  verifyReceipt,
  receiptClaimsOf,
  type ReceiptClaims,
  type ReceiptEntry,
  type SignedResult,
} from '../protocol/receipt';
export type { Receipt } from '../protocol/api';
export { verifySignedResult } from './signed-result';
export { grantHandler, type AskedGrant, type GrantHandlerOptions } from './grant-handler';
export {
  configFromEnv,
  defaultConfig,
  manifestModelIds,
  MAX_SESSION_TTL_MS,
  type ServerConfig,
} from './config';
export { ServerKeys } from './keys';
export { jsonLogger, silentLogger, type Logger, type LogLevel } from './logging';
export { startRetention, type RetentionJob, type RetentionJobOptions } from './retention';
export { openStore, DEFAULT_STORE_URL, type OpenStoreOptions } from './store/open';
export { SqliteStore, type SqliteStoreOptions } from './store/sqlite';
export { PostgresStore, type PostgresStoreOptions } from './store/postgres';
export { DataKeyring } from './store/at-rest';
export type { Store, RetentionPolicy, PurgeCounts } from './store/types';
export type { AppEnv } from './context';
