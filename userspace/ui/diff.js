/*
 * diff.js: what a comparison of two profiles computes from the agent's diff
 * tree (prepared by tree.js: v and s the target's, b and bs the base's): the
 * sample types two snapshots share, each frame's change and its colour, and
 * the per-function rows of the top table. A change is of shares (each
 * profile's value over its own total) or, with abs, of raw values; totals is
 * {total, baseTotal}. Pure.
 */

import { ROOT_FILL } from './colours.js';
import { share } from './format.js';

// Only sample types present in both, with the same unit, compare.
export function commonSampleTypes(baseTypes, targetTypes) {
  const tb = new Map((baseTypes || []).map((t) => [t.type, t.unit]));
  return (targetTypes || []).filter((t) => tb.get(t.type) === t.unit);
}

// A value's change from base to target, for sums of either side.
export function change(t, b, totals, abs) {
  return abs ? t - b : share(t, totals.total) - share(b, totals.baseTotal);
}

export function delta(n, totals, abs) { return change(n.v, n.b, totals, abs); }

// The largest change of any frame below the root (1 when none changed):
// the deepest colour and the legend's ends.
export function deltaScale(root, totals, abs) {
  let m = 0;
  const stack = root.children.slice();
  while (stack.length) {
    const n = stack.pop();
    const d = Math.abs(delta(n, totals, abs));
    if (d > m) m = d;
    for (const c of n.children) stack.push(c);
  }
  return m > 0 ? m : 1;
}

// [fill, text colour] of a frame whose change is d: near-white for none,
// the further from zero the deeper the red (growth) or blue (reduction).
export function diffColour(n, d, scale) {
  if (!n.parent) return [ROOT_FILL, '#1b1b1b'];
  const t = Math.pow(Math.min(1, Math.abs(d) / scale), 0.7);
  if (t < 0.02) return ['hsl(0,0%,95%)', '#1b1b1b'];
  const hue = d > 0 ? 2 : 216;
  const light = 94 - 46 * t;
  return ['hsl(' + hue + ',' + (d > 0 ? 78 : 70) + '%,' + light.toFixed(1) + '%)', light < 62 ? '#ffffff' : '#1b1b1b'];
}

// Per-function totals of a diff tree: flat sums self, cum counts a
// function once per stack so recursion is not double counted.
export function diffRows(root) {
  const rows = new Map();
  const onPath = new Map();
  const stack = [[root, false]];
  while (stack.length) {
    const [n, leaving] = stack.pop();
    if (n.parent) {
      if (leaving) {
        onPath.set(n.name, onPath.get(n.name) - 1);
        continue;
      }
      let r = rows.get(n.name);
      if (!r) rows.set(n.name, r = { function: n.name, bflat: 0, tflat: 0, bcum: 0, tcum: 0 });
      r.bflat += n.bs;
      r.tflat += n.s;
      const depthOnPath = onPath.get(n.name) || 0;
      if (!depthOnPath) { r.bcum += n.b; r.tcum += n.v; }
      onPath.set(n.name, depthOnPath + 1);
      stack.push([n, true]);
    }
    for (let i = n.children.length - 1; i >= 0; i--) stack.push([n.children[i], false]);
  }
  return Array.from(rows.values());
}
