import { InvalidArgumentError, PermissionDeniedError } from '../core/errors.js';
import type { Principal } from './principal.js';

export const RESOURCE_KINDS = ['experiment', 'run', 'registered_model', 'feature_view', 'audit'] as const;
export type ResourceKind = (typeof RESOURCE_KINDS)[number];

/** `halt`: stop and resume serving a model with the kill switch (ml.controls). */
export const ACTIONS = ['read', 'write', 'approve', 'halt', 'admin'] as const;
export type Action = (typeof ACTIONS)[number];

/** What a role may do: actions per resource kind. `admin` on a kind implies every action on it. */
export type RoleGrants = Partial<Record<ResourceKind, readonly Action[]>>;

/**
 * Built-in roles. A data scientist builds and proposes models but cannot approve them; a reviewer
 * approves but does not build; a service reads models and writes features and runs; only an admin
 * administers. Everyone who has a role can read experiments, runs and models; the audit log is
 * readable by reviewers and admins. `risk` (a risk officer) may halt models with the kill switch and
 * read the audit log, nothing else; reviewers and admins may halt too.
 */
export const BUILT_IN_ROLES: Readonly<Record<string, RoleGrants>> = Object.freeze({
  viewer: { experiment: ['read'], run: ['read'], registered_model: ['read'], feature_view: ['read'] },
  'data-scientist': {
    experiment: ['read', 'write'],
    run: ['read', 'write'],
    registered_model: ['read', 'write'],
    feature_view: ['read', 'write'],
  },
  reviewer: { experiment: ['read'], run: ['read'], registered_model: ['read', 'approve', 'halt'], feature_view: ['read'], audit: ['read'] },
  risk: { experiment: ['read'], run: ['read'], registered_model: ['read', 'halt'], feature_view: ['read'], audit: ['read'] },
  service: { experiment: ['read'], run: ['read', 'write'], registered_model: ['read'], feature_view: ['read', 'write'] },
  admin: Object.fromEntries(RESOURCE_KINDS.map((k) => [k, [...ACTIONS]])) as RoleGrants,
});

export interface Resource {
  kind: ResourceKind;
  /** Name or id, for the message. */
  name?: string;
}

/** Decides what principals may do, from the built-in roles plus custom roles from configuration. */
export class Authorizer {
  private readonly roles: Map<string, Map<ResourceKind, Set<Action>>>;

  constructor(customRoles: Record<string, RoleGrants> = {}) {
    this.roles = new Map();
    const all = { ...BUILT_IN_ROLES, ...checkRoles(customRoles) };
    for (const [role, grants] of Object.entries(all)) {
      const byKind = new Map<ResourceKind, Set<Action>>();
      for (const [kind, actions] of Object.entries(grants) as Array<[ResourceKind, readonly Action[]]>) {
        byKind.set(kind, new Set(actions.includes('admin') ? ACTIONS : actions));
      }
      this.roles.set(role, byKind);
    }
  }

  /** Role names known to this authorizer. */
  get roleNames(): string[] {
    return [...this.roles.keys()];
  }

  can(principal: Principal, action: Action, kind: ResourceKind): boolean {
    for (const role of principal.roles) {
      if (this.roles.get(role)?.get(kind)?.has(action)) return true;
    }
    return false;
  }

  /** Throws PERMISSION_DENIED naming the principal, the action and the resource. */
  check(principal: Principal, action: Action, resource: Resource): void {
    if (this.can(principal, action, resource.kind)) return;
    const what = resource.name === undefined ? resource.kind : `${resource.kind} ${JSON.stringify(resource.name)}`;
    throw new PermissionDeniedError(
      `Principal ${JSON.stringify(principal.id)} (roles: ${principal.roles.join(', ') || 'none'}) may not ${action} ${what}`,
      { details: { principal: principal.id, action, resource: resource.kind, name: resource.name } },
    );
  }
}

function checkRoles(custom: Record<string, RoleGrants>): Record<string, RoleGrants> {
  if (custom === null || typeof custom !== 'object') throw new InvalidArgumentError('Invalid roles: expected an object of role grants');
  for (const [role, grants] of Object.entries(custom)) {
    if (!/^[\w.-]{1,64}$/.test(role)) throw new InvalidArgumentError(`Invalid roles: ${JSON.stringify(role)} is not a plain role name`);
    if (Object.hasOwn(BUILT_IN_ROLES, role)) throw new InvalidArgumentError(`Invalid roles.${role}: built-in roles cannot be redefined`);
    if (grants === null || typeof grants !== 'object') throw new InvalidArgumentError(`Invalid roles.${role}: expected { kind: [actions] }`);
    for (const [kind, actions] of Object.entries(grants)) {
      if (!(RESOURCE_KINDS as readonly string[]).includes(kind)) {
        throw new InvalidArgumentError(`Invalid roles.${role}.${kind}: resource kinds are ${RESOURCE_KINDS.join(', ')}`);
      }
      if (!Array.isArray(actions) || actions.some((a) => !(ACTIONS as readonly string[]).includes(a))) {
        throw new InvalidArgumentError(`Invalid roles.${role}.${kind}: actions are ${ACTIONS.join(', ')} (got ${JSON.stringify(actions)})`);
      }
    }
  }
  return custom;
}
