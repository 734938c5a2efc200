export { createServer, type MlopsServer, type ServerOptions } from './create-server.js';
export type { AuthOptions } from './auth.js';
export type { RateLimitOptions } from './rate-limit.js';
