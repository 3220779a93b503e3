// format.test.mjs: userspace/ui/format.js, how values read on the page.
import test from 'node:test';
import assert from 'node:assert/strict';
import { fmtClock, fmtDuration, fmtInt, fmtPct, fmtPP, fmtSigned, fmtValue, share } from '../../userspace/ui/format.js';

test('nanoseconds step up a unit just before rounding would print 1000', () => {
  assert.equal(fmtValue(999, 'nanoseconds'), '999 ns');
  assert.equal(fmtValue(999.5, 'nanoseconds'), '1.00 µs');
  assert.equal(fmtValue(999.96e3, 'nanoseconds'), '1.00 ms');
  assert.equal(fmtValue(999.94e6, 'nanoseconds'), '999.9 ms');
  assert.equal(fmtValue(1.5e9, 'nanoseconds'), '1.50 s');
  assert.equal(fmtValue(123.456e9, 'nanoseconds'), '123.5 s');
});

test('bytes are binary units, whole below one KiB', () => {
  assert.equal(fmtValue(1023, 'bytes'), '1023 B');
  assert.equal(fmtValue(1024, 'bytes'), '1.00 KiB');
  assert.equal(fmtValue(1024 * 1024, 'bytes'), '1.00 MiB');
  assert.equal(fmtValue(1024 ** 3, 'bytes'), '1.00 GiB');
  assert.equal(fmtValue(1024 ** 5, 'bytes'), '1024.0 TiB');
});

test('counts and unknown units', () => {
  assert.equal(fmtValue(1234567, 'count'), '1,234,567');
  assert.equal(fmtValue(12, 'widgets'), '12 widgets');
  assert.equal(fmtValue(1.5, ''), '1.50');
  assert.equal(fmtInt(999.6), '1,000');
});

test('signed values and percentage points carry their sign', () => {
  assert.equal(fmtSigned(2048, 'bytes'), '+2.00 KiB');
  assert.equal(fmtSigned(-5, 'count'), '−5');
  assert.equal(fmtSigned(0, 'count'), '±0');
  assert.equal(fmtPP(0.1234), '+12.3 pp');
  assert.equal(fmtPP(-0.0123), '−1.23 pp');
  assert.equal(fmtPP(0), '±0.00 pp');
});

test('shares: tiny ones bounded, none of nothing', () => {
  assert.equal(fmtPct(0.5), '50.0%');
  assert.equal(fmtPct(0.01234), '1.23%');
  assert.equal(fmtPct(0), '0%');
  assert.equal(fmtPct(0.00001), '<0.01%');
  assert.equal(fmtPct(-0.00001), '>−0.01%');
  assert.equal(fmtPct(Infinity), '–');
  assert.equal(share(5, 0), 0);
  assert.equal(share(1, 4), 0.25);
});

test('durations and clock times', () => {
  assert.equal(fmtDuration(59.9), '59s');
  assert.equal(fmtDuration(61), '1m 01s');
  assert.equal(fmtDuration(3600 * 5 + 60 * 7), '5h 07m');
  assert.equal(fmtDuration(86400 * 2 + 3600 * 3), '2d 3h');
  const at = new Date(2026, 0, 2, 3, 4, 5).getTime();
  assert.equal(fmtClock(at, new Date(2026, 0, 2, 23, 0, 0)), '03:04:05');
  assert.equal(fmtClock(at, new Date(2026, 0, 3, 0, 0, 1)), '2026-01-02 03:04:05');
});
