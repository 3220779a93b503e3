// diff.test.mjs: userspace/ui/diff.js and colours.js: what a comparison
// computes, and the colours of frames and changes.
import test from 'node:test';
import assert from 'node:assert/strict';
import { change, commonSampleTypes, delta, deltaScale, diffColour, diffRows } from '../../userspace/ui/diff.js';
import { HIT_FILL, ROOT_FILL, frameLegend, kindColour } from '../../userspace/ui/colours.js';
import { prepare } from '../../userspace/ui/tree.js';

const n = (name, base, target, children = []) => ({ name, kind: 'user', base, target, children });

// base 100: main 100 (r 60 (r 20), q 40); target 50: main 50 (r 10 (r 5), q 40)
function compared() {
  return prepare({ name: 'all', kind: 'root', base: 100, target: 50, children: [
    n('main', 100, 50, [n('r', 60, 10, [n('r', 20, 5)]), n('q', 40, 40)]),
  ] }, true);
}

test('changes are of shares, or of raw values with abs', () => {
  const totals = { total: 50, baseTotal: 100 };
  assert.equal(change(40, 40, totals, false), 0.8 - 0.4);
  assert.equal(change(40, 40, totals, true), 0);
  assert.equal(change(5, 0, { total: 0, baseTotal: 0 }, false), 0, 'an empty profile has no shares');
  const q = compared().root.children[0].children[1];
  assert.ok(Math.abs(delta(q, totals, false) - 0.4) < 1e-12);
});

test('the scale is the largest change below the root, 1 when nothing changed', () => {
  const m = compared();
  const totals = { total: 50, baseTotal: 100 };
  assert.ok(Math.abs(deltaScale(m.root, totals, false) - 0.4) < 1e-12); // q: 0.8 - 0.4 (r: 0.2 - 0.6)
  assert.equal(deltaScale(m.root, totals, true), 50); // r and main shrank by 50
  const same = prepare({ name: 'all', kind: 'root', base: 5, target: 5, children: [n('x', 5, 5)] }, true);
  assert.equal(deltaScale(same.root, { total: 5, baseTotal: 5 }, false), 1);
});

test('growth is red, reduction blue, the deeper the larger, none near-white', () => {
  const m = compared();
  const x = m.root.children[0];
  assert.deepEqual(diffColour(m.root, 1, 1), [ROOT_FILL, '#1b1b1b']);
  assert.deepEqual(diffColour(x, 0.001, 1), ['hsl(0,0%,95%)', '#1b1b1b']);
  assert.deepEqual(diffColour(x, 1, 1), ['hsl(2,78%,48.0%)', '#ffffff']);
  assert.deepEqual(diffColour(x, -1, 1), ['hsl(216,70%,48.0%)', '#ffffff']);
  const light = (d) => Number(diffColour(x, d, 1)[0].match(/([\d.]+)%\)$/)[1]);
  assert.ok(light(0.5) < light(0.1), 'a larger growth is deeper');
  assert.ok(diffColour(x, 0.1, 1)[0].startsWith('hsl(2,'));
  assert.equal(diffColour(x, 0.05, 1)[1], '#1b1b1b', 'dark text on light fills');
});

test('per-function rows count recursion once in cum', () => {
  const rows = Object.fromEntries(diffRows(compared().root).map((r) => [r.function, r]));
  assert.deepEqual(rows.r, { function: 'r', bflat: 40 + 20, tflat: 5 + 5, bcum: 60, tcum: 10 });
  assert.deepEqual(rows.main, { function: 'main', bflat: 0, tflat: 0, bcum: 100, tcum: 50 });
  assert.equal(Object.keys(rows).length, 3);
});

test('only sample types of both profiles, in the same unit, compare', () => {
  const base = [{ type: 'cpu', unit: 'nanoseconds' }, { type: 'samples', unit: 'count' }, { type: 'x', unit: 'bytes' }];
  const target = [{ type: 'samples', unit: 'count' }, { type: 'x', unit: 'count' }, { type: 'wall', unit: 'nanoseconds' }];
  assert.deepEqual(commonSampleTypes(base, target), [{ type: 'samples', unit: 'count' }]);
  assert.deepEqual(commonSampleTypes(undefined, target), []);
});

test("a frame's colour is the agent's, kept on the node; the root's is fixed", () => {
  const a = { name: 'work_a', kind: 'native', colour: '#f0a030' };
  assert.deepEqual(kindColour(a), ['#f0a030', '#1b1b1b']);
  a.colour = '#000000';
  assert.deepEqual(kindColour(a), ['#f0a030', '#1b1b1b'], 'cached, so a redraw does not recolour');
  assert.equal(kindColour({ name: 'all', kind: 'root' })[0], ROOT_FILL);
  assert.notEqual(HIT_FILL, ROOT_FILL);
});

test('the legend names the kinds of frame on screen, in a fixed order, with their colours', () => {
  const root = { name: 'all', kind: 'root', children: [
    { name: 'schedule', kind: 'kernel', colour: '#a07040', children: [] },
    { name: 'main', kind: 'native', colour: '#f08020', children: [
      { name: 'helper', kind: 'native', inlined: true, colour: '#40c0c0', children: [] },
      { name: 'work', kind: 'native', colour: '#f0b030', children: [] }] }] };
  assert.deepEqual(frameLegend(root), [['#f08020', 'native'], ['#a07040', 'kernel'], ['#40c0c0', 'inlined']]);
  assert.deepEqual(frameLegend({ name: 'all', kind: 'root', children: [] }), []);
});
