import { randomBytes, randomUUID } from 'node:crypto';

/** A run id as MLflow makes them: 32 lowercase hex characters. */
export function newRunId(): string {
  return randomBytes(16).toString('hex');
}

/** A random opaque id for internal records. */
export function newId(): string {
  return randomUUID();
}

const RUN_ID = /^[0-9a-f]{32}$/;

export function isRunId(value: string): boolean {
  return RUN_ID.test(value);
}
