import type { Mlops } from '../runtime.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The runtime acting as the request's principal (RBAC and audit by that principal). */
    ml: Mlops;
  }
}

export {};
