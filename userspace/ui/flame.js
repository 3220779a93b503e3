/*
 * flame.js: the flame graph on its <canvas>: drawing the loaded profile
 * (view.profile) at the zoom, orientation, search and focus of `look`,
 * finding the frame under the mouse, its hover outline and its tooltip.
 * Frame colours come from colours.js, a comparison's from diff.js.
 */

import { HIT_FILL, kindColour } from './colours.js';
import { delta, deltaScale, diffColour, change } from './diff.js';
import { $, el } from './dom.js';
import { fmtPct, fmtPP, fmtSigned, fmtValue, share } from './format.js';
import { look, view } from './state.js';
import { isUnder } from './tree.js';

const FRAME_H = 18;          // px per stack level
const MIN_FRAME_W = 0.5;     // narrower frames are not drawn (nor their children)

const canvas = $('graph');
const hoverCanvas = $('graph-hover');
const tooltip = $('tooltip');
let rowsHit = [];     // per depth: drawn frames left to right, for hit tests
let drawnRows = 0;
let charW = 7.2;
let lastWidth = 0;
let hovered = null;

// Mouse over the graph: the tooltip, and zoomTo(node) on a click.
export function bindCanvas(zoomTo) {
  canvas.addEventListener('mousemove', (ev) => {
    if (!view.profile) return;
    const h = hitTest(ev);
    if (!h) { hideTooltip(); return; }
    if (!hovered || hovered.n !== h.n) { hovered = h; drawHover(); }
    showTooltip(ev, h.n);
  });
  canvas.addEventListener('mouseleave', hideTooltip);
  canvas.addEventListener('click', (ev) => {
    if (!view.profile) return;
    const h = hitTest(ev);
    if (!h) return;
    zoomTo(h.n);
    hovered = null;
    const again = hitTest(ev);
    if (again) { hovered = again; drawHover(); showTooltip(ev, again.n); } else hideTooltip();
  });
  window.addEventListener('scroll', hideTooltip, { passive: true });
}

// Whether the graph's box is no longer the width it was drawn at.
export function widthChanged() {
  const w = $('graph-wrap').clientWidth;
  return !!view.profile && !!w && w !== lastWidth;
}

export function render() {
  const wrap = $('graph-wrap');
  const p = view.profile;
  if (!p || wrap.hidden) return;
  const W = Math.max(50, wrap.clientWidth);
  lastWidth = W;
  const dpr = window.devicePixelRatio || 1;
  const isDiff = p.model.isDiff;
  const root = p.model.root;
  const z = look.zoom || root;
  const dScale = isDiff ? deltaScale(root, p, look.diffAbs) : 1;
  const scale = z.v > 0 ? W / z.v : 0;
  const x0 = z.x;

  // Pass 1: which frames are wide enough to draw, and how deep they go.
  const drawn = [];
  let maxDepth = 0;
  const stack = [root];
  while (stack.length) {
    const n = stack.pop();
    const px = (n.x - x0) * scale, pw = n.v * scale;
    if (pw < MIN_FRAME_W || px + pw <= 0.01 || px >= W - 0.01) continue;
    const cx = Math.max(0, px);
    const cw = Math.min(W, px + pw) - cx;
    drawn.push(n, cx, cw);
    if (n.depth > maxDepth) maxDepth = n.depth;
    for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]);
  }

  const rows = maxDepth + 1;
  const H = rows * FRAME_H + 2;
  drawnRows = rows;
  for (const c of [canvas, hoverCanvas]) {
    c.width = Math.round(W * dpr);
    c.height = Math.round(H * dpr);
    c.style.width = W + 'px';
    c.style.height = H + 'px';
  }
  const ctx = canvas.getContext('2d');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, W, H);
  ctx.font = '12px ' + getComputedStyle(document.body).getPropertyValue('--mono');
  ctx.textBaseline = 'middle';
  charW = ctx.measureText('MMMMMMMMMM').width / 10 || 7.2;

  rowsHit = [];
  for (let d = 0; d < rows; d++) rowsHit.push([]);
  const focus = look.focusFn;
  const outlines = [];
  for (let i = 0; i < drawn.length; i += 3) {
    const n = drawn[i], cx = drawn[i + 1], cw = drawn[i + 2];
    const y = rowY(n.depth);
    const col = n.hit ? [HIT_FILL, '#1b1b1b'] : isDiff ? diffColour(n, delta(n, p, look.diffAbs), dScale) : kindColour(n);
    ctx.fillStyle = col[0];
    // A 1px gap separates siblings when there is room for it.
    ctx.fillRect(cx, y, cw > 2 ? cw - 1 : cw, FRAME_H - 1);
    const maxChars = Math.floor((cw - 6) / charW);
    if (maxChars >= 4) {
      let label = n.name;
      if (label.length > maxChars) label = label.slice(0, maxChars - 1) + '…';
      ctx.fillStyle = col[1];
      ctx.fillText(label, cx + 3, y + FRAME_H / 2);
    }
    if (focus !== null && n.name === focus) outlines.push(cx, y, cw);
    rowsHit[n.depth].push(n, cx, cw);
  }
  if (outlines.length) {
    ctx.strokeStyle = '#111';
    ctx.lineWidth = 2;
    for (let i = 0; i < outlines.length; i += 3) {
      ctx.strokeRect(outlines[i] + 1, outlines[i + 1] + 1, Math.max(1, outlines[i + 2] - 3), FRAME_H - 3);
    }
  }
  // Geometry changed, so an old hover outline would point at the wrong place.
  hovered = null;
  drawHover();
  if (look.scrollToRoot) {
    look.scrollToRoot = false;
    wrap.scrollTop = look.orient === 'flame' ? wrap.scrollHeight : 0;
  }
}

function rowY(depth) {
  return look.orient === 'icicle' ? 1 + depth * FRAME_H : 1 + (drawnRows - 1 - depth) * FRAME_H;
}

function hitTest(ev) {
  const r = canvas.getBoundingClientRect();
  const x = ev.clientX - r.left, y = ev.clientY - r.top;
  const row = Math.floor((y - 1) / FRAME_H);
  if (row < 0 || row >= drawnRows) return null;
  const depth = look.orient === 'icicle' ? row : drawnRows - 1 - row;
  const list = rowsHit[depth];
  if (!list) return null;
  // Frames in a row are stored left to right: binary search on x.
  let lo = 0, hi = list.length / 3 - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const cx = list[mid * 3 + 1], cw = list[mid * 3 + 2];
    if (x < cx) hi = mid - 1;
    else if (x >= cx + cw) lo = mid + 1;
    else return { n: list[mid * 3], cx, cw, y: rowY(depth) };
  }
  return null;
}

function drawHover() {
  const ctx = hoverCanvas.getContext('2d');
  const dpr = window.devicePixelRatio || 1;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, hoverCanvas.width, hoverCanvas.height);
  if (!hovered) return;
  ctx.strokeStyle = '#000';
  ctx.lineWidth = 1;
  ctx.strokeRect(hovered.cx + 0.5, hovered.y + 0.5, Math.max(1, hovered.cw - 2), FRAME_H - 2);
}

export function hideTooltip() {
  tooltip.hidden = true;
  if (hovered) { hovered = null; drawHover(); }
}

function tooltipRows(n) {
  const p = view.profile;
  const u = p.unit;
  const rows = [];
  const row = (k, v, cls) => rows.push(el('tr', {}, el('td', { class: 'k', text: k }), el('td', { class: cls || '', text: v })));
  if (p.model.isDiff) {
    const d = change(n.v, n.b, p, false);
    const cls = (x) => (x > 0 ? 'up' : x < 0 ? 'down' : '');
    row('base #' + view.shown.base, fmtValue(n.b, u) + '  (' + fmtPct(share(n.b, p.baseTotal)) + ')');
    row('target #' + view.shown.target, fmtValue(n.v, u) + '  (' + fmtPct(share(n.v, p.total)) + ')');
    row('Δ share', fmtPP(d), cls(d));
    row('Δ absolute', fmtSigned(n.v - n.b, u), cls(n.v - n.b));
    row('self b → t', fmtValue(n.bs, u) + ' → ' + fmtValue(n.s, u));
  } else {
    const tot = p.total;
    row('total', fmtValue(n.v, u) + '  (' + fmtPct(share(n.v, tot)) + ' of all)');
    row('self', fmtValue(n.s, u) + '  (' + fmtPct(share(n.s, tot)) + ' of all)');
    if (look.zoom && look.zoom !== n && isUnder(n, look.zoom)) {
      row('of zoomed', fmtPct(share(n.v, look.zoom.v)));
    }
  }
  return rows;
}

function showTooltip(ev, n) {
  tooltip.textContent = '';
  tooltip.append(
    el('div', { class: 'tt-name', text: n.name }),
    el('div', { class: 'tt-kind', text: n.kind + (n.inlined ? ' · inlined' : '') + (n.depth ? ' · depth ' + n.depth : '') }),
    el('table', {}, el('tbody', {}, ...tooltipRows(n))),
    el('div', { class: 'hint', text: !n.parent && !look.zoom ? 'the whole profile'
      : n === look.zoom ? 'zoomed here' : !n.parent ? 'click to reset the zoom' : 'click to zoom' }));
  tooltip.hidden = false;
  const pad = 14;
  const w = tooltip.offsetWidth, h = tooltip.offsetHeight;
  let x = ev.clientX + pad, y = ev.clientY + pad;
  if (x + w > window.innerWidth - 4) x = Math.max(4, ev.clientX - pad - w);
  if (y + h > window.innerHeight - 4) y = Math.max(4, ev.clientY - pad - h);
  tooltip.style.left = x + 'px';
  tooltip.style.top = y + 'px';
}
