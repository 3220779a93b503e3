// kinds.test.mjs: userspace/ui/kinds.js and health.js: what the page makes
// of /api/kinds and of a snapshot's comments.
import test from 'node:test';
import assert from 'node:assert/strict';
import { kindOf, kindsFrom, kindUnavailable, spanText, spanWords } from '../../userspace/ui/kinds.js';
import { healthSummary, splitComments, unwinding } from '../../userspace/ui/health.js';

const kinds = kindsFrom({ kinds: [
  { name: 'cpu', option: 'CPU', title: 'CPU profile', button: 'Record CPU profile', family: 'cpu', needs_heap: false, seconds: 'window' },
  { name: 'heap', option: 'Heap', title: 'heap in use', button: 'Take heap snapshot', family: 'heap', needs_heap: true, seconds: 'none' },
  { name: 'leaks', option: 'Leaks', title: 'leaks', button: 'Find leaks', family: 'heap', needs_heap: true, seconds: 'age' },
  { name: 'allocs', option: 'Allocations', title: 'allocations', button: 'Record allocations', family: 'heap', needs_heap: true, seconds: 'window' },
] });

test('what the form asks for each kind', () => {
  assert.deepEqual([kinds.cpu.input, kinds.cpu.min, kinds.cpu.window], ['Seconds', 1, true]);
  assert.deepEqual([kinds.heap.input, kinds.heap.window], [null, false]);
  assert.deepEqual([kinds.leaks.input, kinds.leaks.min], ['Older than (s)', 0]);
  assert.equal(kindOf(kinds, { kind: 'nosuch' }), kinds.cpu);
});

test('a snapshot\'s span: a window, an age, or now', () => {
  assert.equal(spanText(kinds, { kind: 'cpu', seconds: 10 }), '10 s');
  assert.equal(spanText(kinds, { kind: 'leaks', seconds: 1 }), '≥1 s');
  assert.equal(spanText(kinds, { kind: 'heap', seconds: 0 }), 'now');
  assert.equal(spanWords(kinds, { kind: 'cpu', seconds: 2 }, '12:00:00'), '2 s from 12:00:00');
  assert.equal(spanWords(kinds, { kind: 'leaks', seconds: 3 }, '?'), 'older than 3 s, at ?');
  assert.equal(spanWords(kinds, { kind: 'heap', seconds: 0 }, '?'), 'at ?');
});

test('why a kind cannot be recorded', () => {
  assert.equal(kindUnavailable(kinds, 'heap', null), '', 'nothing is refused before the target is known');
  assert.match(kindUnavailable(kinds, 'heap', { alive: true, heap_rate: 0 }), /--heap/);
  assert.equal(kindUnavailable(kinds, 'heap', { alive: false, heap_rate: 1 }), '', 'the heap outlives the target');
  assert.match(kindUnavailable(kinds, 'cpu', { alive: false, heap_rate: 1 }), /no time left/);
  assert.match(kindUnavailable(kinds, 'allocs', { alive: false, heap_rate: 1 }), /no new allocations/);
  assert.equal(kindUnavailable(kinds, 'cpu', { alive: true, heap_rate: 0 }), '');
});

const comments = [
  'bpfprof 0.1.0: CPU profile of PID 1 (x)',
  'user stacks: --unwind auto, .eh_frame tables of 5 objects (53166 rows), frame pointers elsewhere; 0 objects without tables',
  'samples: 10 taken, 10 in the profile; lost: 0 (ring buffer full)',
  'WARNING: most CPU samples of this window were lost',
];

test('warnings stand apart from the other comments', () => {
  const { warnings, notes } = splitComments(comments);
  assert.deepEqual(warnings, ['Warning: most CPU samples of this window were lost']);
  assert.equal(notes.length, 3);
  assert.deepEqual(splitComments(undefined), { warnings: [], notes: [] });
});

test('the health line: samples, lost, how user stacks were walked', () => {
  assert.equal(unwinding(comments), '--unwind auto');
  assert.equal(unwinding(['user stacks: frame pointers (--unwind fp)']), 'frame pointers');
  assert.equal(unwinding(['user stacks ended: 5 bottom']), '');
  assert.equal(healthSummary({ samples: 12345, lost: 7, comments }), '12,345 samples · 7 lost · unwinding: --unwind auto · 3 notes');
  assert.equal(healthSummary({ samples: 0, lost: 0, comments: ['one'] }), '0 samples · 0 lost · 1 note');
});
