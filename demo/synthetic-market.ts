import { prng } from '../src/monitoring/profile.js';

/** A seeded PRNG (mulberry32) so the demo's data and results are the same on every machine. */
export const seeded = prng;

export interface Sample {
  features: [number, number, number];
  label: 0 | 1;
}

/**
 * Synthetic market features (5-minute return, volume z-score, spread in bp) and whether the next
 * bar went up. The label depends on the features through a known logistic rule plus noise.
 */
export function marketSamples(n: number, seed: number): Sample[] {
  const rnd = seeded(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(rnd() + 1e-12)) * Math.cos(2 * Math.PI * rnd());
  return Array.from({ length: n }, () => {
    const ret5m = gauss() * 0.8;
    const volZ = gauss();
    const spreadBp = Math.abs(gauss()) * 2;
    const logit = 1.4 * ret5m + 0.6 * volZ - 0.5 * spreadBp + 0.3;
    const label = rnd() < 1 / (1 + Math.exp(-logit)) ? 1 : 0;
    return { features: [ret5m, volZ, spreadBp], label };
  });
}

/** Logistic regression trained by full-batch gradient descent. */
export function trainLogistic(
  data: Sample[],
  options: { lr: number; epochs: number; l2: number },
  onEpoch: (epoch: number, loss: number, weights: number[]) => Promise<void> | void,
): Promise<number[]> {
  const w = [0, 0, 0, 0];
  const run = async () => {
    for (let epoch = 0; epoch < options.epochs; epoch++) {
      const grad = [0, 0, 0, 0];
      let loss = 0;
      for (const { features, label } of data) {
        const z = (w[0] as number) + features.reduce((s, x, i) => s + x * (w[i + 1] as number), 0);
        const p = 1 / (1 + Math.exp(-z));
        loss -= label * Math.log(p + 1e-12) + (1 - label) * Math.log(1 - p + 1e-12);
        const err = p - label;
        grad[0] = (grad[0] as number) + err;
        features.forEach((x, i) => (grad[i + 1] = (grad[i + 1] as number) + err * x));
      }
      for (let i = 0; i < w.length; i++) w[i] = (w[i] as number) - options.lr * ((grad[i] as number) / data.length + options.l2 * (i === 0 ? 0 : (w[i] as number)));
      await onEpoch(epoch, loss / data.length, [...w]);
    }
    return w;
  };
  return run();
}

export function predict(w: number[], features: readonly number[]): number {
  const z = (w[0] as number) + features.reduce((s, x, i) => s + x * (w[i + 1] as number), 0);
  return 1 / (1 + Math.exp(-z));
}

/** Area under the ROC curve by the rank statistic. */
export function auc(scores: number[], labels: number[]): number {
  const order = scores.map((s, i) => [s, labels[i] as number] as const).sort((a, b) => a[0] - b[0]);
  let rankSum = 0;
  let positives = 0;
  order.forEach(([, label], i) => {
    if (label === 1) {
      rankSum += i + 1;
      positives += 1;
    }
  });
  const negatives = order.length - positives;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}
