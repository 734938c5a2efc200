// The model registry with four-eyes approval, aliases and the audit log.
// Run: npx tsx examples/registry-approval.ts   (uses ./.mlops unless MLOPS_DIR is set)
import type { MlopsError } from '@trademaster/mlops';
import { createMlops } from '@trademaster/mlops';
import { buildLogisticRegression } from '@trademaster/mlops/testing';

const ml = await createMlops();
const author = ml.as({ id: 'alice', roles: ['data-scientist'] });
const reviewer = ml.as({ id: 'bob', roles: ['reviewer'] });
try {
  const name = `example-signal-${Date.now()}`;
  await author.registry.createRegisteredModel({ name, description: 'momentum signal', tags: { desk: 'equities' } });

  // Register an ONNX model: its sha256, size and signature are recorded now.
  const onnx = await buildLogisticRegression([0.8, -0.3, 0.1], 0.05);
  const v1 = await author.registry.createModelVersion({ name, source: { bytes: onnx }, description: 'first cut' });
  console.log(`v${v1.version} ${v1.approval}, inputs:`, v1.signature?.inputs);

  // Only approved versions may hold an alias.
  await author.registry.setAlias(name, 'champion', v1.version).catch((err: MlopsError) => console.log(`refused: ${err.code}`));

  await author.registry.requestApproval(name, v1.version, { reason: 'backtest Sharpe 1.4' });
  // Four eyes: the author cannot approve her own version (and lacks the role anyway).
  await author.registry.approve(name, v1.version).catch((err: MlopsError) => console.log(`refused: ${err.code}: ${err.message}`));
  await reviewer.registry.approve(name, v1.version, { reason: 'risk limits respected' });
  await author.registry.setAlias(name, 'champion', v1.version);

  const resolved = await ml.registry.resolve(`${name}@champion`);
  console.log(`${name}@champion -> v${resolved.version} at ${resolved.uri}`);
  console.log('approval history:', await ml.registry.getApprovalHistory(name, v1.version));

  // Revoking removes the alias in the same transaction and emits events serving listens to.
  ml.events.on('registry.alias.removed', (e) => console.log(`alias ${e.alias} removed from v${e.version} (${e.cause})`));
  await reviewer.registry.revoke(name, v1.version, { reason: 'feature leak found in review' });

  const chain = await ml.audit.verify();
  console.log(`audit chain intact: ${chain.ok} (${chain.checked} records)`);
  // The chain proves records are untouched; this replays the alias records and checks each names the
  // version it replaced (right even when several processes move aliases at once).
  const aliases = await ml.audit.verifyAliases();
  console.log(`alias records consistent: ${aliases.ok} (${aliases.checked} checked)`);
  if (!aliases.ok) process.exitCode = 1;
  for (const r of await ml.audit.query({ resource: name })) console.log(`  #${r.seq} ${r.actor} ${r.action}${r.reason ? ` - ${r.reason}` : ''}`);
} finally {
  await ml.close();
}
