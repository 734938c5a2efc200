// In-process ONNX serving: load the approved champion from the registry, predict with dynamic
// batching, follow alias moves (hot swap), route champion/challenger with a shadow.
// Run: npx tsx examples/serving.ts   (uses ./.mlops unless MLOPS_DIR is set)
import { createMlops } from '@trademaster/mlops';
import { buildLogisticRegression } from '@trademaster/mlops/testing';

const ml = await createMlops();
const author = ml.as({ id: 'alice', roles: ['data-scientist'] });
const reviewer = ml.as({ id: 'bob', roles: ['reviewer'] });
try {
  const name = `serving-example-${Date.now()}`;
  await author.registry.createRegisteredModel({ name });
  for (const [v, bias] of [[1, 0.1], [2, -0.2]] as const) {
    // Column names go into the version's signature: predict() then also takes records by name.
    await author.registry.createModelVersion({ name, source: { bytes: await buildLogisticRegression([0.8, -0.3, 0.1], bias) }, columns: ['ret_5m', 'vol_1h', 'spread'] });
    await author.registry.requestApproval(name, v);
    await reviewer.registry.approve(name, v);
  }
  await author.registry.setAlias(name, 'champion', 1);

  // GPU first where there is one; this machine falls back to the CPU with a warning event.
  ml.events.on('warning', (w) => console.log('warning:', w.message));
  const model = await ml.serving.load(`${name}@champion`, { executionProviders: ['webgpu', 'cpu'], batching: { maxBatchSize: 256, maxDelayMicros: 200 } });
  console.log(`serving ${model.name} v${model.version} on ${model.provider}`);

  // Hooks of your own run after each prediction, in the order added; the returned function removes one.
  let high = 0;
  const removeHook = model.addHook('afterPredict', (_inputs, out) => {
    if ((out.Y!.data[0] as number) > 0.5) high += 1;
  });

  // Concurrent callers are batched together; each gets its own rows back.
  const outputs = await Promise.all(Array.from({ length: 100 }, (_, i) => model.predict([[i / 100, 0.5, -0.2]])));
  console.log(`100 predictions in ${model.stats.batches} session run(s); first p(up) = ${(outputs[0]!.Y!.data[0] as number).toFixed(4)}`);
  removeHook();
  console.log(`the hook saw ${high} of them with p(up) > 0.5`);

  // Records keyed by column name, in any key order; a missing or unknown column is named in the error.
  const byName = await model.predict([{ spread: -0.2, ret_5m: 0.5, vol_1h: 0.5 }]);
  console.log(`by column name: p(up) = ${(byName.Y!.data[0] as number).toFixed(4)}`);

  // Moving the alias swaps the served version without dropping a request.
  model.on('swap', (e) => console.log(`swapped v${e.from} -> v${e.to} (${e.reason})`));
  await author.registry.setAlias(name, 'champion', 2);
  await new Promise((r) => setTimeout(r, 100));

  // Champion/challenger split with a shadow that never answers callers.
  const challenger = await ml.serving.load(`${name}/1`);
  const router = ml.serving.router(name, { routes: [{ name: 'champion', model, weight: 0.9 }, { name: 'challenger', model: challenger, weight: 0.1 }] });
  await router.predict([[0.1, 0.2, 0.3]], { key: 'account-7' });
  console.log(`account-7 is routed to ${router.lastRoute}`);
} finally {
  await ml.close();
}
