/*
 * format.js: how numbers read on the page: clock times, durations, values
 * in their unit (ns, bytes, counts), signed differences, shares and
 * percentage points. Pure: no DOM, no state.
 */

function pad2(n) { return String(n).padStart(2, '0'); }

// Today's times as HH:MM:SS; other days with their date.
export function fmtClock(ms, now = new Date()) {
  const d = new Date(ms);
  const hms = pad2(d.getHours()) + ':' + pad2(d.getMinutes()) + ':' + pad2(d.getSeconds());
  if (d.toDateString() === now.toDateString()) return hms;
  return d.getFullYear() + '-' + pad2(d.getMonth() + 1) + '-' + pad2(d.getDate()) + ' ' + hms;
}

export function fmtDuration(sec) {
  sec = Math.max(0, Math.floor(sec));
  const d = Math.floor(sec / 86400), h = Math.floor(sec / 3600) % 24;
  const m = Math.floor(sec / 60) % 60, s = sec % 60;
  if (d) return d + 'd ' + h + 'h';
  if (h) return h + 'h ' + pad2(m) + 'm';
  if (m) return m + 'm ' + pad2(s) + 's';
  return s + 's';
}

function fixed(x) {
  const a = Math.abs(x);
  return x.toFixed(a >= 100 ? 1 : 2);
}

export function fmtInt(v) { return Math.round(v).toLocaleString('en-US'); }

export function fmtValue(v, unit) {
  const a = Math.abs(v);
  switch (unit) {
    // Thresholds sit just under 1000 (1024) so that rounding never prints
    // "1000.0 ms" where "1.00 s" belongs.
    case 'nanoseconds':
      if (a >= 999.95e6) return fixed(v / 1e9) + ' s';
      if (a >= 999.95e3) return fixed(v / 1e6) + ' ms';
      if (a >= 999.5) return fixed(v / 1e3) + ' µs';
      return Math.round(v) + ' ns';
    case 'bytes': {
      const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
      let i = 0, x = v;
      while (Math.abs(x) >= (i === 0 ? 1023.5 : 1023.95) && i < units.length - 1) { x /= 1024; i++; }
      return (i === 0 ? String(Math.round(x)) : fixed(x)) + ' ' + units[i];
    }
    case 'count':
      return fmtInt(v);
    default:
      return (Number.isInteger(v) ? fmtInt(v) : fixed(v)) + (unit ? ' ' + unit : '');
  }
}

export function fmtSigned(v, unit) {
  return (v > 0 ? '+' : v < 0 ? '−' : '±') + fmtValue(Math.abs(v), unit);
}

export function fmtPct(frac) {
  if (!isFinite(frac)) return '–';
  const p = frac * 100;
  if (p === 0) return '0%';
  const a = Math.abs(p);
  if (a < 0.01) return (p < 0 ? '>−' : '<') + '0.01%';
  return p.toFixed(a >= 10 ? 1 : 2) + '%';
}

// Percentage points: the difference of two shares.
export function fmtPP(frac) {
  const p = frac * 100;
  const a = Math.abs(p);
  const s = p > 0 ? '+' : p < 0 ? '−' : '±';
  return s + (a >= 10 ? a.toFixed(1) : a.toFixed(2)) + ' pp';
}

export function share(v, total) { return total > 0 ? v / total : 0; }
