import { InvalidArgumentError } from '../core/errors.js';
import type { Action, Authorizer, Principal } from '../governance/index.js';
import type { ModelSignature, ModelVersion, RegistryControls } from '../registry/index.js';
import type { ControlLoadOptions, ServedModel, ServingControls } from '../serving/index.js';
import type { ControlsDeps, ControlsView } from './engine-view.js';
import { buildEvidence, type EvidencePack } from './evidence.js';
import { checkFixedAnswer } from './fallback.js';
import { ControlGate } from './gate.js';
import { GuardRunner, checkGuards, checkPolicy } from './guards.js';
import { HaltBoard, type Halt } from './halt-board.js';
import { buildInventory, type InventoryRow } from './inventory.js';
import { KillSwitch, bumpControls } from './kill-switch.js';
import { ApprovalPolicies, type StoredPolicy } from './policies.js';
import { CONTROLS_MODULE, controlsMigrations } from './schema.js';
import { targetKey, type HaltTarget } from './targets.js';
import { prepareVersionControls, readVersionControls, storeVersionControls, type VersionControls } from './version-controls.js';

export interface ControlsOptions {
  /**
   * How often each process looks for halts made elsewhere (ms): one read of a one-row table. Default
   * 250, so a halt reaches every process within about 300 ms; 0 turns polling off (then only a push
   * signal wired to `wake()` brings news from other processes).
   */
  pollIntervalMs?: number;
}

/** Checked by createMlops before any store opens. */
export function checkControlsOptions(options: ControlsOptions | undefined): void {
  const poll = options?.pollIntervalMs ?? 250;
  if (!(Number.isSafeInteger(poll) && poll >= 0)) throw new InvalidArgumentError(`Invalid controls.pollIntervalMs: ${JSON.stringify(poll)} must be a whole number of ms >= 0`, { details: { field: 'controls.pollIntervalMs' } });
}

// Load options the controls add to ml.serving.load(): declared by serving (its contract), re-exported here.
export type { ControlLoadOptions } from '../serving/index.js';

/** The change-signal channel halts and resumes are announced on. */
const HALTS_CHANNEL = 'halts';

export type { ControlsDeps } from './engine-view.js';

/** Shared by every principal's view: the halt board, the kill switch, policies and gates. */
export class ControlsEngine implements RegistryControls, ServingControls, ControlsView {
  readonly board: HaltBoard;
  readonly killSwitch: KillSwitch;
  readonly policies: ApprovalPolicies;

  constructor(
    readonly deps: ControlsDeps,
    private readonly options: ControlsOptions = {},
  ) {
    checkControlsOptions(options);
    this.board = new HaltBoard(deps.sql, deps.events);
    this.killSwitch = new KillSwitch(deps.sql, deps.clock, deps.audit, this.board, (m) => this.knows(m), () => deps.signal?.notify(HALTS_CHANNEL));
    this.policies = new ApprovalPolicies(deps.sql, deps.clock, deps.audit, deps.readers, (m) => this.registered(m));
  }

  async init(): Promise<void> {
    await this.deps.sql.migrate(CONTROLS_MODULE, controlsMigrations);
    await this.board.start(this.options.pollIntervalMs ?? 250);
    this.offSignal = this.deps.signal?.on(HALTS_CHANNEL, () => void this.board.wake().catch(() => undefined));
    // Controls are kept by model name: a rename carries its policy, stored guards and halts along.
    this.offRename = this.deps.events.on('registry.model.renamed', (e) => {
      void this.renamed(e.from, e.to).catch((err: unknown) =>
        this.deps.events.emit('warning', { source: 'controls', message: `The controls of ${e.from} could not follow its rename to ${e.to}`, cause: err }),
      );
    });
  }

  private offRename: (() => void) | undefined;
  private offSignal: (() => void) | undefined;

  private async renamed(from: string, to: string): Promise<void> {
    await this.deps.sql.transaction(async (tx) => {
      await tx.exec('UPDATE controls_policies SET model = ? WHERE model = ?', [to, from]);
      await tx.exec('UPDATE controls_version_guards SET model = ? WHERE model = ?', [to, from]);
      // A halt is copied, not moved: processes still serving under the old name stay halted, and
      // loads under the new name start halted; each name is resumed on its own.
      const halts = await tx.query<{ route: string | null; halted_by: string; reason: string; ts: number }>('SELECT route, halted_by, reason, ts FROM controls_halts WHERE model = ?', [from]);
      for (const h of halts) {
        const key = targetKey(h.route === null ? { model: to } : { model: to, route: h.route });
        await tx.exec('INSERT INTO controls_halts (target, model, route, halted_by, reason, ts) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (target) DO NOTHING', [key, to, h.route, h.halted_by, h.reason, Number(h.ts)]);
      }
      await bumpControls(tx);
    });
    await this.board.wake();
  }

  /** News from other processes: call from a push signal (LISTEN/NOTIFY, Redis) to act before the next poll. */
  wake(): Promise<void> {
    return this.board.wake();
  }

  close(): void {
    this.offSignal?.();
    this.offRename?.();
    this.board.close();
  }

  private async registered(name: string): Promise<boolean> {
    const [row] = await this.deps.sql.query<{ n: number }>('SELECT COUNT(*) AS n FROM registry_models WHERE name = ?', [name]);
    return Number(row?.n ?? 0) > 0;
  }

  private async knows(name: string): Promise<boolean> {
    return this.deps.loadedNames().includes(name) || (await this.registered(name));
  }

  // RegistryControls

  checkApproval(version: ModelVersion): Promise<{ approvers: number; record?: Record<string, unknown> }> {
    return this.policies.checkApproval(version);
  }

  prepareVersionControls(input: { guards?: unknown; onViolation?: unknown }, signature: ModelSignature | null): unknown {
    return prepareVersionControls(input, signature);
  }

  storeVersionControls(tx: Parameters<RegistryControls['storeVersionControls']>[0], name: string, version: number, prepared: unknown): Promise<void> {
    return storeVersionControls(tx, name, version, prepared as VersionControls);
  }

  setPolicy(name: string, policy: unknown, actor: string): Promise<StoredPolicy | null> {
    return this.policies.set(name, policy, actor);
  }

  getPolicy(name: string): Promise<StoredPolicy | null> {
    return this.policies.get(name);
  }

  /**
   * For ml.serving.load: checks the control options against the model's outputs (nothing is loaded
   * when one is wrong), merges guards stored with the version (those given at load win), and returns
   * the step that arms the loaded model.
   */
  async prepare(input: { model: string; route?: string; version: number | null; signature: ModelSignature; options: ControlLoadOptions }): Promise<(served: ServedModel) => void> {
    const o = input.options;
    const safe = o.whenHalted === undefined ? undefined : checkFixedAnswer(o.whenHalted, input.signature, 'whenHalted');
    const stored = input.version === null ? undefined : await readVersionControls(this.deps.sql, input.model, input.version);
    const guards = o.guards !== undefined ? checkGuards(o.guards, input.signature) : stored?.guards !== undefined ? checkGuards(stored.guards, input.signature, 'stored guards') : undefined;
    // Guards given at load replace the stored ones together with their policy.
    const policy = o.guards !== undefined || o.onViolation !== undefined ? checkPolicy(o.onViolation) : (stored?.onViolation ?? 'reject');
    if (policy === 'fallback' && guards !== undefined && safe === undefined) {
      throw new InvalidArgumentError("Invalid onViolation: 'fallback' answers whenHalted's fixed answer; give whenHalted: { outputs }", { details: { field: 'onViolation' } });
    }
    const runner = guards === undefined || Object.keys(guards).length === 0 ? undefined : new GuardRunner(guards, policy, safe);
    return (served) => {
      const gate = new ControlGate({ ...this.deps, board: this.board }, input.model, input.route, () => served.version, safe, runner);
      served.gate = gate;
      // A model that follows an alias takes the guards stored with each version it swaps to (unless
      // guards were given at load). Until the read lands (a few ms), the previous guards apply.
      if (o.guards === undefined && o.onViolation === undefined && input.version !== null) {
        served.on('swap', (e) => {
          if (e.to === null) return;
          void readVersionControls(this.deps.sql, input.model, e.to)
            .then((next) => {
              if (next === undefined) return gate.useGuards(undefined);
              if (next.onViolation === 'fallback' && safe === undefined) throw new InvalidArgumentError(`Version ${e.to} stores onViolation fallback but the model was loaded without whenHalted`);
              gate.useGuards(new GuardRunner(checkGuards(next.guards, served.signature, 'stored guards'), next.onViolation, safe));
            })
            .catch((err: unknown) => this.deps.events.emit('warning', { source: 'controls', message: `${input.model}: the guards of version ${e.to} could not be applied; the previous ones stay`, cause: err }));
        });
      }
    };
  }

  /** Version guards as stored, for the evidence pack. */
  versionControls(name: string, version: number): Promise<VersionControls | undefined> {
    return readVersionControls(this.deps.sql, name, version);
  }
}

/**
 * Trading controls: `ml.controls`. The kill switch (halt, resume, status), the evidence pack per
 * version and the model inventory. Every call checks the principal's permission; every write is
 * audited in its own transaction.
 */
export class Controls {
  constructor(
    private readonly engine: ControlsEngine,
    private readonly principal: Principal,
    private readonly authz: Authorizer,
  ) {}

  /** Stops `target` in every process sharing the metadata store (needs the `halt` permission). */
  async halt(target: HaltTarget, options: { reason: string }): Promise<Halt> {
    this.allow('halt', target);
    return this.engine.killSwitch.halt(target, options, this.principal);
  }

  /** Lifts a halt: a principal other than the one who halted (four eyes), or an admin with a reason. */
  async resume(target: HaltTarget, options: { reason: string }): Promise<void> {
    this.allow('halt', target);
    return this.engine.killSwitch.resume(target, options, this.principal);
  }

  /** The halts in force as this process knows them (at most one poll interval old). */
  status(): { halted: Halt[]; anyHalted: boolean } {
    this.allow('read');
    const halted = this.engine.board.list();
    return { halted, anyHalted: halted.length > 0 };
  }

  /** Reads the halt state from the store now instead of waiting for the next poll. */
  async refresh(): Promise<{ halted: Halt[]; anyHalted: boolean }> {
    this.allow('read');
    await this.engine.wake();
    return this.status();
  }

  /** One JSON document an auditor can check offline: artifact, lineage, approvals, aliases, halts, guards, audit records. */
  async evidence(name: string, version: number): Promise<EvidencePack> {
    this.allow('read', { model: name });
    this.authz.check(this.principal, 'read', { kind: 'audit' });
    return buildEvidence(this.engine, name, version);
  }

  /** Every model version with its state, owner, last approval and last review (RTS 6 Art. 9 self-assessment input). */
  async inventory(): Promise<InventoryRow[]> {
    this.allow('read');
    return buildInventory(this.engine);
  }

  private allow(action: Action, target?: unknown): void {
    const model = (target as { model?: unknown } | undefined)?.model;
    this.authz.check(this.principal, action, typeof model === 'string' ? { kind: 'registered_model', name: model } : { kind: 'registered_model' });
  }
}
