// tree.test.mjs: userspace/ui/tree.js, the flame tree model: layout, zoom
// paths, search matches and a function's occurrences.
import test from 'node:test';
import assert from 'node:assert/strict';
import {
  goneFrames, isUnder, largestOccurrence, markMatches, nodeByPath, occurrences, pathOf, prepare,
} from '../../userspace/ui/tree.js';

const node = (name, value, self, children = [], kind = 'user') => ({ name, kind, value, self, children });

// all 10: main 9 (a 6 (f 2 (f 1)), b 2, a 1 inlined), other 1
function profile() {
  return node('all', 10, 0, [
    node('main', 9, 0, [
      node('a', 6, 4, [node('f', 2, 1, [node('f', 1, 1)])]),
      node('b', 2, 2),
      node('a', 1, 1, [], 'inlined'),
    ]),
    node('other', 1, 1, [], 'kernel'),
  ], 'root');
}

test('prepare lays children side by side from the parent\'s left edge', () => {
  const m = prepare(profile(), false);
  const main = m.root.children[0];
  const [a, b, a2] = main.children;
  assert.equal(m.count, 8);
  assert.equal(m.isDiff, false);
  assert.deepEqual([m.root.x, main.x, a.x, b.x, a2.x, m.root.children[1].x], [0, 0, 0, 6, 8, 9]);
  assert.deepEqual([m.root.depth, main.depth, a.children[0].children[0].depth], [0, 1, 4]);
  assert.equal(a.v, 6);
  assert.equal(a.s, 4);
  assert.equal(a.parent, main);
  assert.equal(m.byName.get('a').length, 2);
  assert.equal(m.byName.has('all'), false, 'the root is no function');
});

test('a diff takes widths from the target and self from what children leave', () => {
  const root = { name: 'all', kind: 'root', base: 10, target: 8, children: [
    { name: 'x', kind: 'user', base: 4, target: 6, children: [{ name: 'y', kind: 'user', base: 3, target: 1 }] },
    { name: 'z', kind: 'user', base: 6, target: 0 },
  ] };
  const m = prepare(root, true);
  const [x, z] = m.root.children;
  assert.deepEqual([x.v, x.b, x.s, x.bs], [6, 4, 5, 1]);
  assert.deepEqual([z.v, z.b, z.x], [0, 6, 6]);
  assert.deepEqual(x.children[0].children, [], 'a missing children list becomes empty');
  assert.deepEqual(goneFrames(m.root), [z]);
});

test('paths lead back to their node; the widest of same-named siblings wins', () => {
  const m = prepare(profile(), false);
  const f2 = m.root.children[0].children[0].children[0].children[0];
  assert.deepEqual(pathOf(f2), ['main', 'a', 'f', 'f']);
  assert.equal(nodeByPath(m.root, pathOf(f2)), f2);
  assert.equal(nodeByPath(m.root, ['main', 'a']), m.root.children[0].children[0]);
  assert.equal(nodeByPath(m.root, ['main', 'nosuch', 'f']), m.root.children[0], 'as far as the path goes');
  assert.deepEqual(pathOf(m.root), []);
  assert.equal(isUnder(f2, m.root.children[0]), true);
  assert.equal(isUnder(m.root.children[1], m.root.children[0]), false);
});

test('a search counts nested matches once and never matches the root', () => {
  const m = prepare(profile(), false);
  assert.equal(markMatches(m.root, /^f$/), 2);
  const f = m.root.children[0].children[0].children[0];
  assert.equal(f.hit && f.children[0].hit, true);
  assert.equal(markMatches(m.root, /^a$/), 7, 'both a frames');
  assert.equal(markMatches(m.root, /a/), 9, 'main, once: the frames under it add nothing');
  assert.equal(m.root.hit, false, '"all" matches, but the root is no function');
  assert.equal(markMatches(m.root, null), 0);
  assert.equal(f.hit, false, 'clearing the search clears the marks');
});

test('a function\'s occurrences and its largest', () => {
  const m = prepare(profile(), false);
  assert.equal(largestOccurrence(m, 'a'), m.root.children[0].children[0]);
  assert.equal(occurrences(m, 'a'), 2);
  assert.equal(occurrences(m, 'f'), 2);
  assert.equal(largestOccurrence(m, 'nosuch'), null);
  assert.equal(occurrences(m, 'nosuch'), 0);
});
