/*
 * panels.js: what frames the flame graph: the breadcrumbs of the zoom path
 * (and the focused function), the legend of its colours, and a comparison's
 * list of frames that disappeared (in the base only, so without width).
 */

import { HIT_FILL, frameLegend } from './colours.js';
import { deltaScale } from './diff.js';
import { $, el } from './dom.js';
import { fmtPct, fmtPP, fmtSigned, fmtValue, share } from './format.js';
import { look, view } from './state.js';
import { goneFrames, occurrences, pathOf } from './tree.js';

// zoomTo(node) for a crumb; clearFocus() for the focus note's ×.
export function renderCrumbs(zoomTo, clearFocus) {
  const trail = $('crumb-trail');
  trail.textContent = '';
  const p = view.profile;
  if (!p) return;
  const chain = [];
  for (let n = look.zoom || p.model.root; n; n = n.parent) chain.push(n);
  chain.reverse();
  chain.forEach((n, i) => {
    if (i) trail.append(el('span', { class: 'crumb-sep', text: '›' }));
    const last = i === chain.length - 1;
    trail.append(el('button', {
      type: 'button', class: 'crumb' + (last ? ' current' : ''), title: n.name, text: n.parent ? n.name : 'all',
      'aria-current': last ? 'true' : null,
      onclick: () => { if (!last) zoomTo(n); },
    }));
  });
  if (look.focusFn !== null) {
    const occ = occurrences(p.model, look.focusFn);
    trail.append(el('span', { class: 'focus-note' }, '   Focused on ', el('b', { text: look.focusFn }),
      occ ? ': zoomed to its largest occurrence, ' + occ + ' occurrence' + (occ === 1 ? '' : 's') + ' outlined'
        : ': not in this graph',
      el('button', { type: 'button', title: 'clear the focus', onclick: clearFocus, text: '×' })));
  }
  $('reset-zoom').disabled = !look.zoom && look.focusFn === null;
}

function swatch(fill, extra) {
  const s = el('span', { class: 'sw' });
  s.style.background = fill;
  if (extra) s.style.cssText += extra;
  return s;
}

export function renderLegend() {
  const lg = $('legend');
  lg.textContent = '';
  const p = view.profile;
  if (!p) { lg.hidden = true; return; }
  lg.hidden = false;
  if (!p.model.isDiff) {
    lg.append(
      ...frameLegend(p.model.root).map(([fill, label]) => el('span', {}, swatch(fill), label)),
      el('span', {}, swatch(HIT_FILL), 'search match'),
      el('span', {}, swatch('#fff', 'border:2px solid #111'), 'focused function'),
      el('span', { class: 'muted', text: 'Width: share of ' + (view.sampleType || 'the total') + '. '
        + (look.orient === 'flame' ? 'Root at the bottom.' : 'Root at the top.') }));
    return;
  }
  const scale = deltaScale(p.model.root, p, look.diffAbs);
  const u = p.unit;
  const lbl = (x) => (look.diffAbs ? fmtSigned(x, u) : fmtPP(x));
  const ramp = el('span', { class: 'ramp' });
  ramp.style.background = 'linear-gradient(to right, hsl(216,70%,48%), hsl(216,70%,80%), hsl(0,0%,95%), hsl(2,78%,80%), hsl(2,78%,48%))';
  const words = look.diffAbs
    ? 'Red: more ' + (view.sampleType || 'value') + ' in the target (#' + view.shown.target + ') than in the base (#'
      + view.shown.base + '); blue: less; near-white: about the same. Absolute values: the two windows may differ in length (base total '
      + fmtValue(p.baseTotal, u) + ', target total ' + fmtValue(p.total, u) + ').'
    : 'Red: a larger share of the target profile (#' + view.shown.target + ') than of the base (#' + view.shown.base
      + '); blue: smaller; near-white: about the same. Shares are of each profile\'s own total, so windows of different lengths compare fairly.';
  lg.append(
    el('span', {}, lbl(-scale), ramp, lbl(scale)),
    el('span', {}, swatch(HIT_FILL), 'search match'),
    el('span', { class: 'muted', text: 'Width: the target profile. Intensity: size of the change, inclusive of callees.' }),
    el('span', { class: 'words', text: words }));
}

// The topmost of each base-only subtree is listed so they are not lost.
export function renderGone() {
  const box = $('gone');
  const list = $('gone-list');
  list.textContent = '';
  const p = view.profile;
  const gone = goneFrames(p.model.root);
  box.hidden = gone.length === 0;
  for (const n of gone.slice(0, 40)) {
    const up = pathOf(n.parent);
    list.append(el('li', { title: pathOf(n).join(' › ') },
      el('b', { text: n.name }), ' — ' + fmtValue(n.b, p.unit) + ' (' + fmtPct(share(n.b, p.baseTotal)) + ' of base) ',
      el('span', { class: 'path', text: 'under ' + (up.length ? (up.length > 3 ? '… › ' : '') + up.slice(-3).join(' › ') : 'all') })));
  }
  if (gone.length > 40) list.append(el('li', { class: 'muted', text: '… and ' + (gone.length - 40) + ' more' }));
}
