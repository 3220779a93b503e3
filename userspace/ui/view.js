/*
 * view.js: what the view pane shows and the URL hash says: opening a
 * snapshot or a comparison, loading its profile for a sample type, its
 * title, health line and comments, and redrawing graph, crumbs, legend and
 * table when the zoom, focus, search, orientation or difference mode change.
 * It writes state.js's `view` and `look` (but for the few fields state.js
 * gives to flame.js and top_table.js).
 */

import { api } from './api.js';
import { $, el } from './dom.js';
import { commonSampleTypes, diffRows } from './diff.js';
import { hideTooltip, render } from './flame.js';
import { fmtClock, fmtValue } from './format.js';
import { formatHash } from './hash.js';
import { healthSummary, splitComments } from './health.js';
import { kindOf, spanText, spanWords } from './kinds.js';
import { renderCrumbs, renderGone, renderLegend } from './panels.js';
import { pprofName, renderSnapshots } from './snapshots.js';
import { agent, look, view } from './state.js';
import { keepSort, renderTop } from './top_table.js';
import { largestOccurrence, markMatches, nodeByPath, pathOf, prepare } from './tree.js';

const kindName = (d) => kindOf(agent.kinds, d).name;

// What survives reloading the same view: sample type, zoom path, focus.
function keepState() {
  return { type: view.sampleType, zoom: look.zoom && look.zoom.parent ? pathOf(look.zoom) : null, fn: look.focusFn };
}

export function showViewMsg(msg, isError) {
  const m = $('view-msg');
  m.textContent = msg || '';
  m.classList.toggle('error', !!isError);
  m.hidden = !msg;
}

// A snapshot's comments: those the agent marks as warnings stand out; the
// rest fold under one health line, so the graph starts above the fold.
function setComments(detail) {
  const { warnings, notes } = splitComments(detail ? detail.comments : []);
  $('view-warnings').textContent = warnings.join('\n');
  $('view-warnings').hidden = warnings.length === 0;
  $('view-comments').textContent = notes.join('\n');
  $('view-health').textContent = detail ? healthSummary(detail) : '';
  $('view-notes').hidden = !detail;
}

function writeHash() {
  const h = formatHash({ shown: view.shown, sampleType: view.sampleType, orient: look.orient, diffAbs: look.diffAbs,
    zoom: look.zoom ? pathOf(look.zoom) : null, search: look.search, focusFn: look.focusFn })
    || location.pathname + location.search;
  if (('#' + location.hash.replace(/^#/, '')) !== h) history.replaceState(null, '', h);
}

function clearGraph() {
  view.profile = null;
  look.zoom = null;
  $('graph-wrap').hidden = true;
  $('crumbs').hidden = true;
  $('legend').hidden = true;
  $('gone').hidden = true;
  $('top-section').hidden = true;
  hideTooltip();
}

// Everything drawn from the profile, after any change to how it is shown.
export function refreshAll() {
  writeHash();
  renderCrumbs(zoomTo, () => { look.focusFn = null; refreshAll(); });
  renderLegend();
  renderTop(focusFunction);
  render();
}

export function zoomTo(n) {
  look.zoom = n && n.parent ? n : null;
  look.scrollToRoot = look.orient === 'flame';
  refreshAll();
}

// A function picked in the table: zoom to its largest occurrence, outline all.
function focusFunction(name) {
  const p = view.profile;
  if (!p) return;
  look.focusFn = name;
  const best = largestOccurrence(p.model, name);
  look.zoom = best && best.parent ? best : null;
  look.scrollToRoot = look.orient === 'flame';
  refreshAll();
  const wrap = $('graph-wrap');
  const r = wrap.getBoundingClientRect();
  if (r.bottom < 0 || r.top > window.innerHeight) wrap.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
}

// Compiles the search box's expression and marks the frames it matches.
export function applySearch() {
  const input = $('search');
  const status = $('search-status');
  look.re = null;
  input.classList.remove('invalid');
  status.className = 'search-status';
  status.textContent = '';
  if (look.search) {
    try {
      look.re = new RegExp(look.search);
    } catch (e) {
      input.classList.add('invalid');
      status.classList.add('bad');
      status.textContent = 'Invalid regular expression: ' + String(e.message).replace(/^Invalid regular expression: /, '');
    }
  }
  const p = view.profile;
  if (!p) return;
  const matched = markMatches(p.model.root, look.re);
  if (look.re) {
    status.classList.add('hit');
    const tot = p.model.root.v;
    status.textContent = 'Matched: ' + (tot > 0 ? (matched / tot * 100).toFixed(1) : '0.0') + '%'
      + (matched ? ' (' + fmtValue(matched, p.unit) + ')' : '');
  }
}

function startOpening(shown, title, opts) {
  const seq = ++view.loadSeq;
  view.shown = shown;
  view.waiting = false;
  look.zoom = null;
  look.focusFn = opts.fn || null;
  $('view-title').textContent = title;
  setComments(null);
  $('pprof-link').hidden = true;
  clearGraph();
  return seq;
}

export async function openSnapshot(id, opts) {
  const seq = startOpening({ mode: 'snap', id }, 'Snapshot #' + id, opts);
  $('diff-tools').hidden = true;
  showViewMsg('Loading snapshot #' + id + '…');
  renderSnapshots();
  let d;
  try {
    d = await api('/api/snapshots/' + id);
  } catch (e) {
    if (seq === view.loadSeq) showViewMsg('Cannot load snapshot #' + id + ': ' + e.message, true);
    return;
  }
  if (seq !== view.loadSeq) return;
  view.detail = d;
  $('view-title').textContent = 'Snapshot #' + id + ' · ' + kindName(d) + ' · '
    + spanWords(agent.kinds, d, d.started_unix_ms ? fmtClock(d.started_unix_ms) : '?');
  if (d.state !== 'ready') {
    $('toolbar').hidden = true;
    view.waiting = d.state === 'recording';
    showViewMsg(d.state === 'recording' ? 'Snapshot #' + id + ' is still recording; it opens here when ready.'
      : 'Snapshot #' + id + ' failed: ' + (d.error || 'no reason given'), d.state === 'failed');
    writeHash();
    return;
  }
  setComments(d);
  const link = $('pprof-link');
  link.href = '/api/snapshots/' + id + '/pprof';
  link.setAttribute('download', pprofName(d));
  link.hidden = false;
  setSampleTypes(d.sample_types || [], d.default_sample_type, opts.type);
  await loadData(seq, opts);
}

export async function openDiff(base, target, opts) {
  agent.pickBase = base;
  agent.pickTarget = target;
  if (opts.abs !== undefined) look.diffAbs = !!opts.abs;
  const seq = startOpening({ mode: 'diff', base, target }, 'Difference #' + base + ' → #' + target, opts);
  showViewMsg('Loading the difference between #' + base + ' and #' + target + '…');
  renderSnapshots();
  let db, dt;
  try {
    [db, dt] = await Promise.all([api('/api/snapshots/' + base), api('/api/snapshots/' + target)]);
  } catch (e) {
    if (seq === view.loadSeq) showViewMsg('Cannot load the snapshots to compare: ' + e.message, true);
    return;
  }
  if (seq !== view.loadSeq) return;
  if (db.state !== 'ready' || dt.state !== 'ready') {
    $('toolbar').hidden = true;
    showViewMsg('Both snapshots must be ready to compare (#' + base + ' is ' + db.state + ', #' + target
      + ' is ' + dt.state + ').', true);
    writeHash();
    return;
  }
  view.detail = { base: db, target: dt };
  $('view-title').textContent = 'Difference: base #' + base + ' (' + kindName(db) + ', ' + spanText(agent.kinds, db)
    + ') → target #' + target + ' (' + kindName(dt) + ', ' + spanText(agent.kinds, dt) + ')';
  const common = commonSampleTypes(db.sample_types, dt.sample_types);
  if (!common.length) {
    $('toolbar').hidden = true;
    showViewMsg('These snapshots share no sample type, so they cannot be compared.', true);
    return;
  }
  setSampleTypes(common, dt.default_sample_type, opts.type);
  await loadData(seq, opts);
}

function setSampleTypes(types, def, want) {
  view.sampleTypes = types;
  const names = types.map((t) => t.type);
  view.sampleType = names.includes(want) ? want : names.includes(def) ? def : names[0] || null;
  const sel = $('sample-type');
  sel.textContent = '';
  for (const t of types) {
    sel.append(el('option', { value: t.type, text: t.type + ' (' + t.unit + ')', selected: t.type === view.sampleType }));
  }
  sel.value = view.sampleType;
}

// Another sample type of the view on show, keeping its zoom and focus.
export function changeSampleType(type) {
  view.sampleType = type;
  loadData(++view.loadSeq, keepState());
}

async function loadData(seq, opts) {
  const v = view.shown;
  const st = encodeURIComponent(view.sampleType || '');
  showViewMsg('Loading ' + (view.sampleType || '') + '…');
  let flame, top = null;
  try {
    if (v.mode === 'snap') {
      [flame, top] = await Promise.all([
        api('/api/snapshots/' + v.id + '/flame?sample_type=' + st),
        // The graph is still worth showing when only the table fails.
        api('/api/snapshots/' + v.id + '/top?sample_type=' + st).catch((e) => ({ error: e.message }))]);
    } else {
      flame = await api('/api/diff?base=' + v.base + '&target=' + v.target + '&sample_type=' + st);
    }
  } catch (e) {
    if (seq === view.loadSeq) showViewMsg('Cannot load the profile: ' + e.message, true);
    return;
  }
  if (seq !== view.loadSeq) return;
  if (!flame || !flame.root) { showViewMsg('The agent sent a profile without a tree.', true); return; }
  const isDiff = v.mode === 'diff';
  const model = prepare(flame.root, isDiff);
  view.profile = isDiff
    ? { model, unit: flame.unit || '', total: flame.target_total || model.root.v,
      baseTotal: flame.base_total || model.root.b, rows: diffRows(model.root), rowsError: null }
    : { model, unit: flame.unit || '', total: flame.total || model.root.v, baseTotal: 0,
      rows: (top && Array.isArray(top.rows)) ? top.rows : [], rowsError: top && top.error ? top.error : null };
  keepSort(isDiff);
  look.zoom = opts.zoom && opts.zoom.length ? nodeByPath(model.root, opts.zoom) : null;
  if (look.zoom === model.root) look.zoom = null;
  if (opts.fn !== undefined) look.focusFn = opts.fn || null;
  showViewMsg('');
  $('toolbar').hidden = false;
  $('diff-tools').hidden = !isDiff;
  $('graph-wrap').hidden = false;
  $('crumbs').hidden = false;
  $('top-section').hidden = false;
  setPressed();
  applySearch();
  look.scrollToRoot = true;
  refreshAll();
  if (isDiff) renderGone(); else $('gone').hidden = true;
  if (model.root.v <= 0) {
    const heap = !isDiff && kindOf(agent.kinds, view.detail).family === 'heap';
    showViewMsg('This profile is empty: no samples of ' + view.sampleType + '.'
      + (heap ? ' Heap profiles see only sampled allocations made since bpfprof attached.' : ''));
  }
}

export function setPressed() {
  $('orient-flame').setAttribute('aria-pressed', String(look.orient === 'flame'));
  $('orient-icicle').setAttribute('aria-pressed', String(look.orient === 'icicle'));
  $('diff-pct').setAttribute('aria-pressed', String(!look.diffAbs));
  $('diff-abs').setAttribute('aria-pressed', String(look.diffAbs));
}

// A recording ended: the one started here last, or the one on view waiting
// for it, opens when ready.
export function recordingEnded(s) {
  const viewing = view.shown && view.shown.mode === 'snap' && view.shown.id === s.id && view.waiting;
  if (s.state === 'ready' && (s.id === agent.lastMine || viewing)) {
    if (s.id === agent.lastMine) agent.lastMine = null;
    openSnapshot(s.id, viewing ? keepState() : {});
  } else if (viewing && s.state === 'failed') {
    showViewMsg('Snapshot #' + s.id + ' failed: ' + (s.error || 'no reason given'), true);
  }
}

// The snapshot on view was deleted.
export function closeDeleted(id) {
  view.shown = null;
  ++view.loadSeq;
  clearGraph();
  setComments(null);
  $('view-title').textContent = '';
  showViewMsg('Snapshot #' + id + ' was deleted: pick another on the left.');
}

// Applies a hash request (hash.js) to the page: on load, and when someone
// edits or pastes the hash. Returns whether it asked for a view.
export function applyRequest(req, initial) {
  if (req.orient !== look.orient) { look.orient = req.orient; setPressed(); }
  look.search = req.search;
  $('search').value = req.search;
  const { shown, opts } = req;
  const v = view.shown;
  if (!shown) return false;
  if (shown.mode === 'diff') {
    if (initial || !v || v.mode !== 'diff' || v.base !== shown.base || v.target !== shown.target
      || opts.type !== view.sampleType || opts.abs !== look.diffAbs) {
      openDiff(shown.base, shown.target, opts);
      return true;
    }
  } else if (initial || !v || v.mode !== 'snap' || v.id !== shown.id || opts.type !== view.sampleType) {
    openSnapshot(shown.id, opts);
    return true;
  }
  // Same view: only zoom, focus and search changed.
  const p = view.profile;
  if (p) {
    look.zoom = opts.zoom ? nodeByPath(p.model.root, opts.zoom) : null;
    if (look.zoom === p.model.root) look.zoom = null;
    look.focusFn = opts.fn;
    applySearch();
    refreshAll();
  }
  return true;
}
