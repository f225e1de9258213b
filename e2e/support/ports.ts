// Fixed loopback ports of the suite's servers (override with env when they clash).
export const PAGE_PORT = Number(process.env['FV_E2E_PAGE_PORT'] ?? 5190);
export const API_PORT = Number(process.env['FV_E2E_API_PORT'] ?? 5191);
export const pageOrigin = `http://127.0.0.1:${PAGE_PORT}`;
export const apiOrigin = `http://127.0.0.1:${API_PORT}`;
/** For tests that start their own endpoint (special configuration). */
export const PRIVATE_API_PORT = API_PORT + 10;
export const privateApiOrigin = `http://127.0.0.1:${PRIVATE_API_PORT}`;
