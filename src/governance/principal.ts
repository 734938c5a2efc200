import { z } from 'zod';
import { parseInput } from '../core/validation.js';

/** Who is acting: a person or a service, with the roles that decide what it may do. */
export interface Principal {
  id: string;
  roles: string[];
}

export const principalSchema = z.object({
  id: z
    .string()
    .min(1, 'must not be empty')
    .max(256, 'must be at most 256 characters')
    .regex(/^[\w.@:+/-]+$/, 'may hold letters, digits and _ . @ : + / - only'),
  roles: z.array(z.string().min(1).max(64).regex(/^[\w.-]+$/, 'must be a plain role name')).max(64),
});

/** The embedded default: a local admin, so a laptop user is never in the way. */
export const LOCAL_ADMIN: Principal = Object.freeze({ id: 'local', roles: ['admin'] }) as Principal;

export function parsePrincipal(value: unknown, field = 'principal'): Principal {
  const parsed = parseInput(principalSchema, value, field);
  return { id: parsed.id, roles: [...parsed.roles] };
}
