/*
 * snapshots.js: the agent's snapshots as the page knows them: the list
 * (polled from /api/snapshots), each recording polled on its own URL while
 * it records, their progress bars, the table with its B/T picks and the
 * Compare button, and deleting one. What happens when a row is opened, a
 * recording ends or the snapshot on view is deleted is the caller's (hooks).
 */

import { api } from './api.js';
import { $, el } from './dom.js';
import { fmtClock, fmtInt, fmtValue } from './format.js';
import { kindOf, spanText } from './kinds.js';
import { agent, view } from './state.js';

const LIST_POLL_MS = 2000;
const REC_POLL_MS = 400;

// open(id): view a row; done(s): a recording ended (ready or failed);
// deleted(id): it is gone; message(text, isError): say so in the view;
// changed(): the list changed (the Record button follows it).
let hooks = null;
let tableSig = '';

export function initSnapshots(h) { hooks = h; }

export function startPolling() {
  setTimeout(pollList, LIST_POLL_MS);
  setTimeout(pollRecordings, REC_POLL_MS);
}

function snapById(id) { return agent.snapshots.find((s) => s.id === id) || null; }

// The name the agent gives the download, so both ways of saving agree.
export function pprofName(s) { return (s.kind || 'cpu') + '-' + s.id + '.pb.gz'; }

export async function refreshList() {
  try {
    const r = await api('/api/snapshots');
    const list = Array.isArray(r.snapshots) ? r.snapshots : [];
    agent.store = { bytes: r.bytes || 0, budget: r.budget_bytes || 0, evicted: r.evicted || 0 };
    // A recording polled more recently than the list keeps its newer state.
    const prev = new Map(agent.snapshots.map((s) => [s.id, s]));
    const states = { recording: 0, ready: 1, failed: 1 };
    const listed = new Set(list.map((s) => s.id));
    agent.snapshots = list.map((s) => {
      const p = prev.get(s.id);
      if (p && states[p.state] > states[s.state]) return p;
      if (p && p.state === 'recording' && s.state !== 'recording') hooks.done(s);
      return s;
    });
    // A list fetched just before our POST landed does not know the new
    // recording yet; keep it rather than flicker its bar away.
    for (const p of prev.values()) {
      if (!listed.has(p.id) && agent.mine.has(p.id) && p.state === 'recording') {
        agent.snapshots.push(p);
        agent.snapshots.sort((a, b) => a.id - b.id);
      }
    }
    renderSnapshots();
    renderProgress();
    hooks.changed();
  } catch (e) {
    /* the target poll already reports a dead agent */
  }
}

async function pollList() {
  await refreshList();
  setTimeout(pollList, LIST_POLL_MS);
}

function pickSnap(d) {
  const out = {};
  for (const k of ['id', 'kind', 'state', 'seconds', 'started_unix_ms', 'elapsed_ms', 'samples', 'lost', 'error']) {
    if (k in d) out[k] = d[k];
  }
  return out;
}

// While anything records, each recording is polled on its own URL; that
// is where elapsed_ms moves, and where the state turns ready or failed.
async function pollRecordings() {
  const recs = agent.snapshots.filter((s) => s.state === 'recording');
  if (recs.length) {
    const results = await Promise.all(recs.map((s) => api('/api/snapshots/' + s.id).catch(() => null)));
    let changed = false;
    results.forEach((d, i) => {
      if (!d) return;
      const s = recs[i];
      const idx = agent.snapshots.findIndex((x) => x.id === s.id);
      if (idx < 0) return;
      const was = agent.snapshots[idx].state;
      agent.snapshots[idx] = Object.assign({}, agent.snapshots[idx], pickSnap(d));
      if (d.state !== was) { changed = true; hooks.done(agent.snapshots[idx]); }
    });
    renderProgress();
    if (changed) renderSnapshots();
    hooks.changed();
  }
  setTimeout(pollRecordings, REC_POLL_MS);
}

// Bars are kept across polls (keyed by id) so their width transitions
// smoothly instead of jumping every poll.
const progressItems = new Map();

function renderProgress() {
  const box = $('rec-progress');
  const recs = agent.snapshots.filter((s) => s.state === 'recording');
  const live = new Set(recs.map((s) => s.id));
  for (const [id, it] of progressItems) {
    if (!live.has(id)) { it.root.remove(); progressItems.delete(id); }
  }
  for (const s of recs) {
    let it = progressItems.get(s.id);
    if (!it) {
      it = { title: el('span'), left: el('span', { class: 'muted' }), fill: el('div') };
      it.bar = el('div', { class: 'bar', role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': 100 }, it.fill);
      it.root = el('div', { class: 'rec-item', 'data-id': s.id }, el('div', { class: 'rec-line' }, it.title, it.left), it.bar);
      progressItems.set(s.id, it);
      box.append(it.root);
    }
    // Heap and leak snapshots have no window: they are done as soon as
    // the agent has built them, so their bar shows just that step.
    const K = kindOf(agent.kinds, s);
    const total = K.window ? Math.max(1, s.seconds * 1000) : 1;
    const frac = K.window ? Math.min(1, Math.max(0, s.elapsed_ms / total)) : 1;
    const left = Math.max(0, (total - s.elapsed_ms) / 1000);
    it.title.textContent = (K.window ? 'Recording #' : 'Taking #') + s.id + ' (' + K.name + ', '
      + spanText(agent.kinds, s) + ')' + (agent.mine.has(s.id) ? '' : ' · started elsewhere');
    it.left.textContent = frac >= 1 ? 'finishing…' : Math.ceil(left) + ' s left · ' + Math.floor(frac * 100) + '%';
    it.fill.style.width = (frac * 100).toFixed(1) + '%';
    it.bar.setAttribute('aria-valuenow', String(Math.floor(frac * 100)));
  }
}

function onView(s) {
  const v = view.shown;
  return !!v && ((v.mode === 'snap' && v.id === s.id) || (v.mode === 'diff' && (v.base === s.id || v.target === s.id)));
}

// Rebuilt only when something it shows changed.
export function renderSnapshots() {
  const sig = JSON.stringify([agent.snapshots.map((s) => [s.id, s.state, s.samples, s.lost, s.error]),
    agent.pickBase, agent.pickTarget, view.shown, agent.store]);
  updateCompare();
  if (sig === tableSig) return;
  tableSig = sig;
  const tb = $('snap-table').tBodies[0];
  tb.textContent = '';
  $('snap-empty').hidden = agent.snapshots.length > 0;
  const store = agent.store || { evicted: 0 };
  $('snap-evicted').hidden = !store.evicted;
  $('snap-evicted').textContent = store.evicted ? fmtInt(store.evicted) + ' older snapshot'
    + (store.evicted === 1 ? ' was' : 's were') + ' evicted to keep the snapshots under '
    + fmtValue(store.budget, 'bytes') + ' (the agent\'s --snapshot-memory).' : '';
  const list = agent.snapshots.slice().reverse(); // newest first reads best
  for (const s of list) {
    const ready = s.state === 'ready';
    const radio = (which) => el('input', {
      type: 'radio', name: 'pick-' + which, value: s.id, disabled: !ready,
      'aria-label': (which === 'base' ? 'base' : 'target') + ' #' + s.id,
      checked: (which === 'base' ? agent.pickBase : agent.pickTarget) === s.id,
      onclick: (e) => { e.stopPropagation(); },
      onchange: () => {
        if (which === 'base') agent.pickBase = s.id; else agent.pickTarget = s.id;
        renderSnapshots();
      },
    });
    const tr = el('tr', {
      class: (onView(s) ? 'selected ' : '') + (ready ? '' : 'not-ready'),
      'data-id': s.id,
      title: (s.kind || '') + ' snapshot #' + s.id + (ready ? ': click to view' : ''),
      tabindex: ready ? 0 : null,
      onclick: () => { if (ready) hooks.open(s.id); },
      onkeydown: (e) => { if (ready && e.key === 'Enter' && e.target === e.currentTarget) hooks.open(s.id); },
    },
    el('td', { class: 'num', text: s.id }),
    el('td', { text: s.kind || 'cpu' }),
    el('td', { text: s.started_unix_ms ? fmtClock(s.started_unix_ms) : '?' }),
    el('td', { class: 'num', text: spanText(agent.kinds, s) }),
    el('td', {}, el('span', { class: 'badge ' + s.state, title: s.error || '', text: s.state })),
    el('td', { class: 'num', text: ready ? fmtInt(s.samples) : '—' }),
    el('td', { class: 'num', text: ready ? fmtInt(s.lost) : '—' }),
    el('td', {}, ready ? el('a', {
      href: '/api/snapshots/' + s.id + '/pprof', download: pprofName(s),
      title: 'download snapshot #' + s.id + ' as a gzipped pprof file', onclick: (e) => e.stopPropagation(),
      text: 'pprof',
    }) : null),
    el('td', {}, radio('base')),
    el('td', {}, radio('target')),
    el('td', {}, el('button', {
      type: 'button', class: 'delete', text: '×',
      title: (s.state === 'recording' ? 'stop and delete' : 'delete') + ' snapshot #' + s.id,
      'aria-label': 'delete snapshot #' + s.id,
      onclick: (e) => { e.stopPropagation(); deleteSnapshot(s.id); },
    })));
    tb.append(tr);
    if (s.state === 'failed' && s.error) {
      tb.append(el('tr', { class: 'not-ready' }, el('td', { class: 'err', colspan: 11, text: '#' + s.id + ': ' + s.error })));
    }
  }
}

// A deleted snapshot leaves the list, the picks and the view at once; the
// agent frees it once no request reads it.
async function deleteSnapshot(id) {
  let res;
  try {
    res = await fetch('/api/snapshots/' + id, { method: 'DELETE', cache: 'no-store' });
  } catch (e) {
    hooks.message('Cannot delete snapshot #' + id + ': cannot reach the agent', true);
    return;
  }
  if (!res.ok && res.status !== 404) {
    hooks.message('Cannot delete snapshot #' + id + ': HTTP ' + res.status, true);
    return;
  }
  const shown = onView({ id });
  agent.snapshots = agent.snapshots.filter((s) => s.id !== id);
  agent.mine.delete(id);
  if (agent.pickBase === id) agent.pickBase = null;
  if (agent.pickTarget === id) agent.pickTarget = null;
  if (shown) hooks.deleted(id);
  renderSnapshots();
  renderProgress();
  refreshList();
}

function updateCompare() {
  const b = agent.pickBase, t = agent.pickTarget;
  const sb = snapById(b) || {}, st = snapById(t) || {};
  const btn = $('compare-button');
  // A CPU profile and a heap profile share no sample type; a comparison
  // would be refused, so they are not offered.
  const apart = sb.kind && st.kind && kindOf(agent.kinds, sb).family !== kindOf(agent.kinds, st).family;
  const ok = b !== null && t !== null && b !== t && !apart && sb.state === 'ready' && st.state === 'ready';
  btn.disabled = !ok;
  btn.textContent = ok ? 'Compare #' + b + ' → #' + t : 'Compare B → T';
  $('compare-hint').textContent = b === null || t === null ? 'pick a base and a target'
    : b === t ? 'base and target must differ'
      : apart ? '#' + b + ' (' + sb.kind + ') and #' + t + ' (' + st.kind + ') share no sample type' : '';
}
