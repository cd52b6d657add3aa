/**
 * Stratified sampling by cluster, for the map: every cluster keeps its share of
 * the points, and small clusters keep at least a few so they remain visible.
 */
import { type RandomFn, sampleIndices } from "./random.ts";

export function stratifiedSample(
  labels: ArrayLike<number>,
  maxPoints: number,
  random: RandomFn,
  minPerCluster = 5,
): Int32Array {
  const n = labels.length;
  if (n <= maxPoints) return Int32Array.from({ length: n }, (_, i) => i);

  const members = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const list = members.get(labels[i]);
    if (list) list.push(i);
    else members.set(labels[i], [i]);
  }
  const groups = [...members.entries()].sort((a, b) => a[0] - b[0]).map(([, list]) => list);
  const quotas = groups.map((g) => Math.max(Math.min(g.length, minPerCluster), Math.floor((g.length * maxPoints) / n)));
  // Floors leave a remainder and minimums may overshoot: settle on the largest groups.
  let excess = quotas.reduce((a, b) => a + b, 0) - maxPoints;
  const bySize = groups.map((g, c) => c).sort((a, b) => groups[b].length - groups[a].length);
  for (let pass = 0; excess !== 0 && pass < 4 * groups.length; pass++) {
    const c = bySize[pass % bySize.length];
    if (excess > 0 && quotas[c] > Math.min(groups[c].length, minPerCluster)) {
      quotas[c]--;
      excess--;
    } else if (excess < 0 && quotas[c] < groups[c].length) {
      quotas[c]++;
      excess++;
    }
  }

  const out: number[] = [];
  groups.forEach((g, c) => {
    for (const p of sampleIndices(g.length, quotas[c], random)) out.push(g[p]);
  });
  return Int32Array.from(out.sort((a, b) => a - b));
}
