/*
 * hash.js: the URL hash that makes a view reloadable and shareable:
 * s=ID or base=ID&target=ID, type, o (orientation), d=abs, zoom (the path of
 * names from the root), q (search) and fn (focused function). Built by hand
 * so a zoom path stays readable: each name is percent-encoded, and so is any
 * ',' inside one. Pure: strings in, strings and plain objects out.
 */

// "#k=v&..." (the '#' optional) to {key: value}; zoom is an array of names.
export function parseHash(hash) {
  const out = {};
  const h = hash.replace(/^#/, '');
  if (!h) return out;
  for (const part of h.split('&')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    const k = part.slice(0, i), raw = part.slice(i + 1);
    try {
      out[k] = k === 'zoom' ? raw.split(',').filter((x) => x !== '').map(decodeURIComponent)
        : decodeURIComponent(raw);
    } catch (e) { /* a mangled value is ignored rather than breaking the page */ }
  }
  return out;
}

// What a parsed hash asks for: shown ({mode: 'snap', id}, {mode: 'diff',
// base, target} or null) and how to show it.
export function hashRequest(h) {
  const base = parseInt(h.base, 10), target = parseInt(h.target, 10), id = parseInt(h.s, 10);
  return {
    shown: !isNaN(base) && !isNaN(target) ? { mode: 'diff', base, target }
      : !isNaN(id) ? { mode: 'snap', id } : null,
    orient: h.o === 'icicle' ? 'icicle' : 'flame',
    search: typeof h.q === 'string' ? h.q : '',
    opts: { type: h.type, zoom: h.zoom || null, fn: h.fn !== undefined ? h.fn : null, abs: h.d === 'abs' },
  };
}

// The hash of a view: '#...' or '' when there is nothing to say. zoom is the
// path of names from the root (empty or null: not zoomed).
export function formatHash({ shown, sampleType, orient, diffAbs, zoom, search, focusFn }) {
  const parts = [];
  const put = (k, v) => parts.push(k + '=' + encodeURIComponent(v));
  if (shown && shown.mode === 'snap') put('s', shown.id);
  if (shown && shown.mode === 'diff') { put('base', shown.base); put('target', shown.target); }
  if (shown && sampleType) put('type', sampleType);
  if (orient !== 'flame') put('o', orient);
  if (shown && shown.mode === 'diff' && diffAbs) put('d', 'abs');
  if (zoom && zoom.length) parts.push('zoom=' + zoom.map(encodeURIComponent).join(','));
  if (search) put('q', search);
  if (focusFn) put('fn', focusFn);
  return parts.length ? '#' + parts.join('&') : '';
}
