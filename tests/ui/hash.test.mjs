// hash.test.mjs: userspace/ui/hash.js, the URL hash of a view.
import test from 'node:test';
import assert from 'node:assert/strict';
import { formatHash, hashRequest, parseHash } from '../../userspace/ui/hash.js';

test('a snapshot view with every setting round-trips', () => {
  const hash = formatHash({ shown: { mode: 'snap', id: 3 }, sampleType: 'cpu', orient: 'icicle', diffAbs: true,
    zoom: ['main', 'a,b', 'ü x'], search: '^work_(a|b)$', focusFn: 'burn' });
  // d=abs belongs to comparisons only; the ',' inside a name is encoded.
  assert.equal(hash, '#s=3&type=cpu&o=icicle&zoom=main,a%2Cb,%C3%BC%20x&q=%5Ework_(a%7Cb)%24&fn=burn');
  const req = hashRequest(parseHash(hash));
  assert.deepEqual(req.shown, { mode: 'snap', id: 3 });
  assert.equal(req.orient, 'icicle');
  assert.equal(req.search, '^work_(a|b)$');
  assert.deepEqual(req.opts, { type: 'cpu', zoom: ['main', 'a,b', 'ü x'], fn: 'burn', abs: false });
});

test('a comparison in absolute values', () => {
  const hash = formatHash({ shown: { mode: 'diff', base: 1, target: 2 }, sampleType: 'samples', orient: 'flame',
    diffAbs: true, zoom: [], search: '', focusFn: null });
  assert.equal(hash, '#base=1&target=2&type=samples&d=abs');
  const req = hashRequest(parseHash(hash));
  assert.deepEqual(req.shown, { mode: 'diff', base: 1, target: 2 });
  assert.equal(req.opts.abs, true);
  assert.equal(req.opts.zoom, null);
  assert.equal(req.opts.fn, null);
});

test('nothing to say is an empty hash, and an empty hash asks for nothing', () => {
  assert.equal(formatHash({ shown: null, sampleType: 'cpu', orient: 'flame', diffAbs: true, zoom: null,
    search: '', focusFn: null }), '');
  const req = hashRequest(parseHash(''));
  assert.equal(req.shown, null);
  assert.equal(req.orient, 'flame');
  assert.equal(req.search, '');
});

test('mangled parts are skipped, the rest still read', () => {
  const h = parseHash('#s=7&q=%E0%A4%A&junk&o=sideways&fn=');
  assert.equal(h.s, '7');
  assert.equal('q' in h, false);
  const req = hashRequest(h);
  assert.deepEqual(req.shown, { mode: 'snap', id: 7 });
  assert.equal(req.orient, 'flame');
  assert.equal(req.opts.fn, '');
});

test('a base without a target is not a comparison', () => {
  assert.equal(hashRequest(parseHash('base=1')).shown, null);
  assert.deepEqual(hashRequest(parseHash('base=1&s=4')).shown, { mode: 'snap', id: 4 });
});
