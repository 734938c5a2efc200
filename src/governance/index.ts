export type { AuditSink, AuditQuery, AuditRecord, AuditLog } from './audit-log.js';
export type { Principal } from './principal.js';
export type { Action, Authorizer, ResourceKind } from './rbac.js';
