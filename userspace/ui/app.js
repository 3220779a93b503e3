/*
 * app.js: all behaviour of bpfprof's browser UI. Talks to the agent's JSON
 * API (/api/...), polls the target and the snapshots, drives recordings,
 * and draws flame graphs (plain and differential) on a <canvas>, with the
 * top-functions table beside them. View state lives in the URL hash so a
 * view can be reloaded or shared. No dependencies, nothing from the network.
 */
'use strict';

(function () {
  const FRAME_H = 18;          // px per stack level
  const MIN_FRAME_W = 0.5;     // narrower frames are not drawn (nor their children)
  const TOP_ROW_LIMIT = 500;   // table rows rendered at once; the rest are counted
  const TARGET_POLL_MS = 3000;
  const LIST_POLL_MS = 2000;
  const REC_POLL_MS = 400;

  const $ = (id) => document.getElementById(id);

  /* ------------------------------------------------------------------ */
  /* Small helpers                                                       */

  function el(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    if (attrs) {
      for (const k of Object.keys(attrs)) {
        const v = attrs[k];
        if (v === undefined || v === null || v === false) continue;
        if (k === 'class') e.className = v;
        else if (k === 'text') e.textContent = v;
        else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
        else if (v === true) e.setAttribute(k, '');
        else e.setAttribute(k, String(v));
      }
    }
    for (const kid of kids) {
      if (kid === null || kid === undefined || kid === false) continue;
      e.append(kid instanceof Node ? kid : document.createTextNode(String(kid)));
    }
    return e;
  }

  class ApiError extends Error {
    constructor(message, status) { super(message); this.status = status; }
  }

  // Every API failure becomes one readable line: the server's {"error"} when
  // it sent one, otherwise the HTTP status or the network failure.
  async function api(path, opts) {
    let res;
    try {
      res = await fetch(path, Object.assign({ cache: 'no-store' }, opts || {}));
    } catch (e) {
      throw new ApiError('cannot reach the agent (' + (e && e.message ? e.message : e) + ')', 0);
    }
    const text = await res.text();
    let body = null;
    try { body = text ? JSON.parse(text) : null; } catch (e) { body = null; }
    if (!res.ok) {
      const msg = body && typeof body.error === 'string' ? body.error
        : 'HTTP ' + res.status + (res.statusText ? ' ' + res.statusText : '');
      throw new ApiError(msg, res.status);
    }
    if (body === null) throw new ApiError('the agent sent a response that is not JSON', res.status);
    return body;
  }

  function pad2(n) { return String(n).padStart(2, '0'); }

  function fmtClock(ms) {
    const d = new Date(ms);
    const now = new Date();
    const hms = pad2(d.getHours()) + ':' + pad2(d.getMinutes()) + ':' + pad2(d.getSeconds());
    if (d.toDateString() === now.toDateString()) return hms;
    return d.getFullYear() + '-' + pad2(d.getMonth() + 1) + '-' + pad2(d.getDate()) + ' ' + hms;
  }

  function fmtDuration(sec) {
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

  function fmtInt(v) { return Math.round(v).toLocaleString('en-US'); }

  function fmtValue(v, unit) {
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

  function fmtSigned(v, unit) {
    return (v > 0 ? '+' : v < 0 ? '−' : '±') + fmtValue(Math.abs(v), unit);
  }

  function fmtPct(frac) {
    if (!isFinite(frac)) return '–';
    const p = frac * 100;
    if (p === 0) return '0%';
    const a = Math.abs(p);
    if (a < 0.01) return (p < 0 ? '>−' : '<') + '0.01%';
    return p.toFixed(a >= 10 ? 1 : 2) + '%';
  }

  // Percentage points: the difference of two shares.
  function fmtPP(frac) {
    const p = frac * 100;
    const a = Math.abs(p);
    const s = p > 0 ? '+' : p < 0 ? '−' : '±';
    return s + (a >= 10 ? a.toFixed(1) : a.toFixed(2)) + ' pp';
  }

  function share(v, total) { return total > 0 ? v / total : 0; }

  /* ------------------------------------------------------------------ */
  /* State                                                               */

  const S = {
    target: null,
    snapshots: [],
    snapSig: '',
    view: null,           // {mode:'snap', id} | {mode:'diff', base, target}
    viewWaiting: false,   // view opened on a snapshot that is not ready yet
    detail: null,         // snapshot detail (snap) or {base, target} details (diff)
    sampleTypes: [],
    sampleType: null,
    unit: '',
    model: null,          // prepared tree, see prepare()
    topRows: null,        // [{function, flat, cum}] or diff rows
    topError: null,
    total: 0,
    baseTotal: 0,
    orient: 'flame',
    zoom: null,
    search: '',
    re: null,
    matched: 0,
    focusFn: null,
    diffAbs: false,
    sort: { key: 'flat', dir: -1 },
    pickBase: null,
    pickTarget: null,
    mine: new Set(),      // recordings started from this page
    lastMine: null,
    loadSeq: 0,
    scrollToRoot: false,
  };

  /* ------------------------------------------------------------------ */
  /* URL hash                                                            */

  // The hash is built by hand so that a zoom path (names joined by ',') stays
  // readable: each name is percent-encoded, and so is any ',' inside one.
  function readHash() {
    const out = {};
    const h = location.hash.replace(/^#/, '');
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

  function writeHash() {
    const parts = [];
    const put = (k, v) => parts.push(k + '=' + encodeURIComponent(v));
    if (S.view && S.view.mode === 'snap') put('s', S.view.id);
    if (S.view && S.view.mode === 'diff') { put('base', S.view.base); put('target', S.view.target); }
    if (S.view && S.sampleType) put('type', S.sampleType);
    if (S.orient !== 'flame') put('o', S.orient);
    if (S.view && S.view.mode === 'diff' && S.diffAbs) put('d', 'abs');
    if (S.zoom && S.zoom.parent) parts.push('zoom=' + pathOf(S.zoom).map(encodeURIComponent).join(','));
    if (S.search) put('q', S.search);
    if (S.focusFn) put('fn', S.focusFn);
    const h = parts.length ? '#' + parts.join('&') : location.pathname + location.search;
    if (('#' + location.hash.replace(/^#/, '')) !== h) history.replaceState(null, '', h);
  }

  /* ------------------------------------------------------------------ */
  /* Target header                                                       */

  async function pollTarget() {
    try {
      const t = await api('/api/target');
      S.target = t;
      $('conn-banner').hidden = true;
      renderTarget();
    } catch (e) {
      const b = $('conn-banner');
      b.textContent = 'Cannot read the target: ' + e.message + '. Retrying every few seconds.';
      b.hidden = false;
    }
    setTimeout(pollTarget, TARGET_POLL_MS);
  }

  /* A set of processes (--pid A,B, --children, --cgroup): how many run,
   * each listed in the tooltip. */
  function setField(t) {
    const all = t.processes || [];
    if (all.length <= 1) return null;
    const running = all.filter((p) => !p.exited).length;
    const list = all.map((p) => p.pid + ' ' + p.comm + (p.exited ? ' (exited)' : '')).join('\n');
    return el('span', { class: 'field', title: (t.set || '') + '\n' + list },
      el('span', { class: 'label', text: 'processes' }), el('span', { text: running + ' running of ' + all.length }));
  }

  function renderTarget() {
    const t = S.target;
    const box = $('target');
    box.textContent = '';
    const field = (label, value, cls) => el('span', { class: 'field' },
      el('span', { class: 'label', text: label }), el('span', { class: cls || '', text: value }));
    box.append(...[
      field('PID', String(t.pid)),
      field('comm', t.comm || '?'),
      el('span', { class: 'field' }, el('span', { class: 'label', text: 'cmd' }),
        el('span', { class: 'cmd', title: t.cmdline || '', text: t.cmdline || '?' })),
      setField(t),
      field('threads', String(t.threads)),
      t.alive ? field('uptime', fmtDuration(t.uptime_seconds)) : null,
      field('attached', t.attached_unix ? fmtClock(t.attached_unix * 1000) : '?'),
      t.hz ? field('rate', t.hz + ' Hz') : null,
      el('span', { class: 'badge ' + (t.alive ? 'alive' : 'exited'), text: t.alive ? 'running' : 'exited' }),
    ].filter(Boolean));
    $('agent-version').textContent = t.version ? 'v' + t.version : '';
    $('exited-banner').hidden = !!t.alive;
    $('exited-banner').textContent = 'The target exited; existing snapshots stay available'
      + (t.heap_rate ? ', and heap and leak snapshots show its heap as of the exit.' : '.');
    document.title = 'bpfprof · ' + (t.comm || '') + ' (' + t.pid + ')';
    renderRecordForm();
  }

  /* ------------------------------------------------------------------ */
  /* Profile kinds                                                       */

  // The kinds the agent records, from its table (/api/kinds), and what the
  // Record form asks for each: a window takes seconds and shows a progress
  // bar; a kind taken at once takes nothing; an age (leaks) is the least age
  // of a live allocation, so 0 is allowed. Kinds of one family carry the
  // same sample types and so can be compared.
  let KINDS = {};

  function kindsFrom(list) {
    const kinds = {};
    for (const k of list.kinds) {
      kinds[k.name] = {
        option: k.option, name: k.title, button: k.button, family: k.family, needsHeap: k.needs_heap,
        span: k.seconds, window: k.seconds === 'window',
        input: k.seconds === 'window' ? 'Seconds' : k.seconds === 'age' ? 'Older than (s)' : null,
        min: k.seconds === 'window' ? 1 : 0,
      };
    }
    return kinds;
  }

  function kindOf(s) { return KINDS[s.kind] || KINDS.cpu; }

  // The secs column: a window's length, a leak query's least age, or "now".
  function spanText(s) {
    const span = kindOf(s).span;
    return span === 'none' ? 'now' : span === 'age' ? '≥' + s.seconds + ' s' : s.seconds + ' s';
  }

  // The same in words, with the start time, for titles.
  function spanWords(s) {
    const at = s.started_unix_ms ? fmtClock(s.started_unix_ms) : '?';
    const span = kindOf(s).span;
    return span === 'none' ? 'at ' + at
      : span === 'age' ? 'older than ' + s.seconds + ' s, at ' + at
        : s.seconds + ' s from ' + at;
  }

  // Why a kind cannot be recorded now, or '' when it can. Until the target
  // is known nothing is refused here; the agent's answer would say why.
  function kindUnavailable(kind) {
    const t = S.target;
    if (!t) return '';
    if (KINDS[kind].needsHeap && !t.heap_rate) {
      return 'heap tracing is off: start bpfprof serve with --heap';
    }
    // Heap and leak snapshots read what the agent traced, which outlives the
    // target; a window needs a live target to fill it.
    if (!t.alive && KINDS[kind].window) {
      return KINDS[kind].needsHeap ? 'the target exited; it makes no new allocations to record'
        : 'the target exited; there is no time left to record';
    }
    return '';
  }

  function renderKindOptions() {
    const sel = $('rec-kind');
    if (!sel.options.length) {
      for (const k of Object.keys(KINDS)) sel.append(el('option', { value: k, text: KINDS[k].option }));
    }
    for (const o of sel.options) {
      const why = kindUnavailable(o.value);
      o.disabled = !!why;
      o.title = why;
    }
  }

  // Label, input, button and hint follow the chosen kind.
  function renderRecordForm() {
    renderKindOptions();
    const kind = $('rec-kind').value;
    const K = KINDS[kind];
    const input = $('rec-seconds');
    $('rec-seconds-label').textContent = K.input || '';
    $('rec-seconds-label').hidden = !K.input;
    input.hidden = !K.input;
    input.disabled = !K.input;
    input.min = String(K.min);
    $('rec-button').textContent = K.button;
    const why = kindUnavailable(kind);
    const rate = S.target ? S.target.heap_rate : 0;
    const hint = $('rec-hint');
    const sampling = rate === 1 ? 'every allocation recorded' : 'sampled every ' + fmtInt(rate) + ' bytes on average';
    hint.textContent = why ? 'Cannot record: ' + why + '.'
      : !K.needsHeap || !rate ? ''
        : 'Heap profiles count only allocations made since bpfprof attached (' + sampling + ').'
          + (kind === 'leaks' ? ' Leaks: allocations still in use that are older than the given age.' : '');
    hint.hidden = !hint.textContent;
    updateRecordButton();
  }

  /* ------------------------------------------------------------------ */
  /* Recording                                                           */

  function myRecordingActive() {
    for (const s of S.snapshots) if (S.mine.has(s.id) && s.state === 'recording') return true;
    return false;
  }

  function updateRecordButton() {
    const btn = $('rec-button');
    const why = kindUnavailable($('rec-kind').value);
    btn.disabled = !!why || myRecordingActive();
    btn.title = why || (btn.disabled ? 'waiting for the recording started here to finish' : '');
  }

  function showRecError(msg) {
    const e = $('rec-error');
    e.textContent = msg || '';
    e.hidden = !msg;
  }

  async function startRecording(ev) {
    ev.preventDefault();
    const kind = $('rec-kind').value;
    const K = KINDS[kind];
    let query = '?kind=' + kind;
    let n = 0;
    if (K.input) {
      const raw = $('rec-seconds').value.trim();
      n = Number(raw);
      if (!/^\d+$/.test(raw) || n < K.min || n > 3600) {
        showRecError(K.input + ' must be a whole number from ' + K.min + ' to 3600.');
        return;
      }
      query += '&seconds=' + n;
    }
    showRecError('');
    $('rec-button').disabled = true;
    try {
      const r = await api('/api/snapshots' + query, { method: 'POST' });
      S.mine.add(r.id);
      S.lastMine = r.id;
      // Show the bar at once rather than after the next list poll.
      S.snapshots.push({ id: r.id, kind, state: 'recording', seconds: n, started_unix_ms: Date.now(),
        elapsed_ms: 0, samples: 0, lost: 0, error: null });
      renderSnapshots();
      refreshList();
    } catch (e) {
      showRecError('Could not start recording: ' + e.message);
      // 410: the target exited; 409: heap tracing is off. Either way the
      // target's state tells the form what it can still offer.
      if (e.status === 410 || e.status === 409) pollTargetOnce();
    }
    updateRecordButton();
  }

  async function pollTargetOnce() {
    try { S.target = await api('/api/target'); renderTarget(); } catch (e) { /* the regular poll reports it */ }
  }

  // Bars are kept across polls (keyed by id) so their width transitions
  // smoothly instead of jumping every poll.
  const progressItems = new Map();

  function renderProgress() {
    const box = $('rec-progress');
    const recs = S.snapshots.filter((s) => s.state === 'recording');
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
      const K = kindOf(s);
      const total = K.window ? Math.max(1, s.seconds * 1000) : 1;
      const frac = K.window ? Math.min(1, Math.max(0, s.elapsed_ms / total)) : 1;
      const left = Math.max(0, (total - s.elapsed_ms) / 1000);
      it.title.textContent = (K.window ? 'Recording #' : 'Taking #') + s.id + ' (' + K.name + ', ' + spanText(s) + ')'
        + (S.mine.has(s.id) ? '' : ' · started elsewhere');
      it.left.textContent = frac >= 1 ? 'finishing…' : Math.ceil(left) + ' s left · ' + Math.floor(frac * 100) + '%';
      it.fill.style.width = (frac * 100).toFixed(1) + '%';
      it.bar.setAttribute('aria-valuenow', String(Math.floor(frac * 100)));
    }
  }

  // While anything records, each recording is polled on its own URL; that
  // is where elapsed_ms moves, and where the state turns ready or failed.
  async function pollRecordings() {
    const recs = S.snapshots.filter((s) => s.state === 'recording');
    if (recs.length) {
      const results = await Promise.all(recs.map((s) => api('/api/snapshots/' + s.id).catch(() => null)));
      let changed = false;
      results.forEach((d, i) => {
        if (!d) return;
        const s = recs[i];
        const idx = S.snapshots.findIndex((x) => x.id === s.id);
        if (idx < 0) return;
        const was = S.snapshots[idx].state;
        S.snapshots[idx] = Object.assign({}, S.snapshots[idx], pickSnap(d));
        if (d.state !== was) { changed = true; onRecordingDone(S.snapshots[idx]); }
      });
      renderProgress();
      if (changed) renderSnapshots();
      updateRecordButton();
    }
    setTimeout(pollRecordings, REC_POLL_MS);
  }

  function pickSnap(d) {
    const out = {};
    for (const k of ['id', 'kind', 'state', 'seconds', 'started_unix_ms', 'elapsed_ms', 'samples', 'lost', 'error']) {
      if (k in d) out[k] = d[k];
    }
    return out;
  }

  function onRecordingDone(s) {
    if (s.state === 'failed' && S.mine.has(s.id)) {
      showRecError('Recording #' + s.id + ' failed: ' + (s.error || 'no reason given'));
    }
    const viewing = S.view && S.view.mode === 'snap' && S.view.id === s.id && S.viewWaiting;
    if (s.state === 'ready' && (s.id === S.lastMine || viewing)) {
      if (s.id === S.lastMine) S.lastMine = null;
      openSnapshot(s.id, viewing ? keepState() : {});
    } else if (viewing && s.state === 'failed') {
      showViewMsg('Snapshot #' + s.id + ' failed: ' + (s.error || 'no reason given'), true);
    }
  }

  /* ------------------------------------------------------------------ */
  /* Snapshot list                                                       */

  async function refreshList() {
    try {
      const r = await api('/api/snapshots');
      const list = Array.isArray(r.snapshots) ? r.snapshots : [];
      S.store = { bytes: r.bytes || 0, budget: r.budget_bytes || 0, evicted: r.evicted || 0 };
      // A recording polled more recently than the list keeps its newer state.
      const prev = new Map(S.snapshots.map((s) => [s.id, s]));
      const states = { recording: 0, ready: 1, failed: 1 };
      const listed = new Set(list.map((s) => s.id));
      S.snapshots = list.map((s) => {
        const p = prev.get(s.id);
        if (p && states[p.state] > states[s.state]) return p;
        if (p && p.state === 'recording' && s.state !== 'recording') onRecordingDone(s);
        return s;
      });
      // A list fetched just before our POST landed does not know the new
      // recording yet; keep it rather than flicker its bar away.
      for (const p of prev.values()) {
        if (!listed.has(p.id) && S.mine.has(p.id) && p.state === 'recording') {
          S.snapshots.push(p);
          S.snapshots.sort((a, b) => a.id - b.id);
        }
      }
      renderSnapshots();
      renderProgress();
      updateRecordButton();
    } catch (e) {
      /* the target poll already reports a dead agent */
    }
  }

  async function pollList() {
    await refreshList();
    setTimeout(pollList, LIST_POLL_MS);
  }

  function snapById(id) { return S.snapshots.find((s) => s.id === id) || null; }

  function renderSnapshots() {
    const sig = JSON.stringify([S.snapshots.map((s) => [s.id, s.state, s.samples, s.lost, s.error]),
      S.pickBase, S.pickTarget, S.view, S.store]);
    updateCompare();
    if (sig === S.snapSig) return;
    S.snapSig = sig;
    const tb = $('snap-table').tBodies[0];
    tb.textContent = '';
    $('snap-empty').hidden = S.snapshots.length > 0;
    const store = S.store || { evicted: 0 };
    $('snap-evicted').hidden = !store.evicted;
    $('snap-evicted').textContent = store.evicted ? fmtInt(store.evicted) + ' older snapshot'
      + (store.evicted === 1 ? ' was' : 's were') + ' evicted to keep the snapshots under '
      + fmtValue(store.budget, 'bytes') + ' (the agent\'s --snapshot-memory).' : '';
    const list = S.snapshots.slice().reverse(); // newest first reads best
    for (const s of list) {
      const ready = s.state === 'ready';
      const selected = S.view && ((S.view.mode === 'snap' && S.view.id === s.id)
        || (S.view.mode === 'diff' && (S.view.base === s.id || S.view.target === s.id)));
      const radio = (which) => el('input', {
        type: 'radio', name: 'pick-' + which, value: s.id, disabled: !ready,
        'aria-label': (which === 'base' ? 'base' : 'target') + ' #' + s.id,
        checked: (which === 'base' ? S.pickBase : S.pickTarget) === s.id,
        onclick: (e) => { e.stopPropagation(); },
        onchange: () => {
          if (which === 'base') S.pickBase = s.id; else S.pickTarget = s.id;
          renderSnapshots();
        },
      });
      const tr = el('tr', {
        class: (selected ? 'selected ' : '') + (ready ? '' : 'not-ready'),
        'data-id': s.id,
        title: (s.kind || '') + ' snapshot #' + s.id + (ready ? ': click to view' : ''),
        tabindex: ready ? 0 : null,
        onclick: () => { if (ready) openSnapshot(s.id, {}); },
        onkeydown: (e) => { if (ready && e.key === 'Enter' && e.target === e.currentTarget) openSnapshot(s.id, {}); },
      },
      el('td', { class: 'num', text: s.id }),
      el('td', { text: s.kind || 'cpu' }),
      el('td', { text: s.started_unix_ms ? fmtClock(s.started_unix_ms) : '?' }),
      el('td', { class: 'num', text: spanText(s) }),
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
      showViewMsg('Cannot delete snapshot #' + id + ': cannot reach the agent', true);
      return;
    }
    if (!res.ok && res.status !== 404) {
      showViewMsg('Cannot delete snapshot #' + id + ': HTTP ' + res.status, true);
      return;
    }
    S.snapshots = S.snapshots.filter((s) => s.id !== id);
    S.mine.delete(id);
    if (S.pickBase === id) S.pickBase = null;
    if (S.pickTarget === id) S.pickTarget = null;
    const shown = S.view && ((S.view.mode === 'snap' && S.view.id === id)
      || (S.view.mode === 'diff' && (S.view.base === id || S.view.target === id)));
    if (shown) {
      S.view = null;
      ++S.loadSeq;
      clearGraph();
      setComments([]);
      $('view-title').textContent = '';
      showViewMsg('Snapshot #' + id + ' was deleted: pick another on the left.');
    }
    renderSnapshots();
    renderProgress();
    refreshList();
  }

  // The name the agent gives the download, so both ways of saving agree.
  function pprofName(s) { return (s.kind || 'cpu') + '-' + s.id + '.pb.gz'; }

  function updateCompare() {
    const b = S.pickBase, t = S.pickTarget;
    const sb = snapById(b) || {}, st = snapById(t) || {};
    const btn = $('compare-button');
    // A CPU profile and a heap profile share no sample type; openDiff would
    // refuse them, so they are not offered.
    const apart = sb.kind && st.kind && kindOf(sb).family !== kindOf(st).family;
    const ok = b !== null && t !== null && b !== t && !apart && sb.state === 'ready' && st.state === 'ready';
    btn.disabled = !ok;
    btn.textContent = ok ? 'Compare #' + b + ' → #' + t : 'Compare B → T';
    $('compare-hint').textContent = b === null || t === null ? 'pick a base and a target'
      : b === t ? 'base and target must differ'
        : apart ? '#' + b + ' (' + sb.kind + ') and #' + t + ' (' + st.kind + ') share no sample type' : '';
  }

  /* ------------------------------------------------------------------ */
  /* Opening views                                                       */

  function keepState() {
    return { type: S.sampleType, zoom: S.zoom && S.zoom.parent ? pathOf(S.zoom) : null, fn: S.focusFn };
  }

  function showViewMsg(msg, isError) {
    const m = $('view-msg');
    m.textContent = msg || '';
    m.classList.toggle('error', !!isError);
    m.hidden = !msg;
  }

  // A profile's comments; those the agent marks as warnings (a window
  // whose probes never fired, or that lost every event) stand out above.
  function setComments(comments) {
    const prefix = 'WARNING: ';
    const warnings = comments.filter((c) => c.startsWith(prefix)).map((c) => 'Warning: ' + c.slice(prefix.length));
    $('view-warnings').textContent = warnings.join('\n');
    $('view-warnings').hidden = warnings.length === 0;
    $('view-comments').textContent = comments.filter((c) => !c.startsWith(prefix)).join('\n');
  }

  function clearGraph() {
    S.model = null;
    S.topRows = null;
    S.zoom = null;
    $('graph-wrap').hidden = true;
    $('crumbs').hidden = true;
    $('legend').hidden = true;
    $('gone').hidden = true;
    $('top-section').hidden = true;
    hideTooltip();
  }

  async function openSnapshot(id, opts) {
    const seq = ++S.loadSeq;
    S.view = { mode: 'snap', id };
    S.viewWaiting = false;
    S.zoom = null;
    S.focusFn = opts.fn || null;
    $('view-title').textContent = 'Snapshot #' + id;
    setComments([]);
    $('diff-tools').hidden = true;
    $('pprof-link').hidden = true;
    clearGraph();
    showViewMsg('Loading snapshot #' + id + '…');
    renderSnapshots();
    let d;
    try {
      d = await api('/api/snapshots/' + id);
    } catch (e) {
      if (seq === S.loadSeq) showViewMsg('Cannot load snapshot #' + id + ': ' + e.message, true);
      return;
    }
    if (seq !== S.loadSeq) return;
    S.detail = d;
    $('view-title').textContent = 'Snapshot #' + id + ' · ' + kindOf(d).name + ' · ' + spanWords(d);
    if (d.state !== 'ready') {
      $('toolbar').hidden = true;
      S.viewWaiting = d.state === 'recording';
      showViewMsg(d.state === 'recording' ? 'Snapshot #' + id + ' is still recording; it opens here when ready.'
        : 'Snapshot #' + id + ' failed: ' + (d.error || 'no reason given'), d.state === 'failed');
      writeHash();
      return;
    }
    setComments(d.comments || []);
    const link = $('pprof-link');
    link.href = '/api/snapshots/' + id + '/pprof';
    link.setAttribute('download', pprofName(d));
    link.hidden = false;
    setSampleTypes(d.sample_types || [], d.default_sample_type, opts.type);
    await loadData(seq, opts);
  }

  async function openDiff(base, target, opts) {
    const seq = ++S.loadSeq;
    S.view = { mode: 'diff', base, target };
    S.viewWaiting = false;
    S.pickBase = base;
    S.pickTarget = target;
    S.zoom = null;
    S.focusFn = opts.fn || null;
    if (opts.abs !== undefined) S.diffAbs = !!opts.abs;
    $('view-title').textContent = 'Difference #' + base + ' → #' + target;
    setComments([]);
    $('pprof-link').hidden = true;
    clearGraph();
    showViewMsg('Loading the difference between #' + base + ' and #' + target + '…');
    renderSnapshots();
    let db, dt;
    try {
      [db, dt] = await Promise.all([api('/api/snapshots/' + base), api('/api/snapshots/' + target)]);
    } catch (e) {
      if (seq === S.loadSeq) showViewMsg('Cannot load the snapshots to compare: ' + e.message, true);
      return;
    }
    if (seq !== S.loadSeq) return;
    if (db.state !== 'ready' || dt.state !== 'ready') {
      $('toolbar').hidden = true;
      showViewMsg('Both snapshots must be ready to compare (#' + base + ' is ' + db.state + ', #' + target
        + ' is ' + dt.state + ').', true);
      writeHash();
      return;
    }
    S.detail = { base: db, target: dt };
    $('view-title').textContent = 'Difference: base #' + base + ' (' + kindOf(db).name + ', ' + spanText(db)
      + ') → target #' + target + ' (' + kindOf(dt).name + ', ' + spanText(dt) + ')';
    // Only sample types present in both profiles, with the same unit, compare.
    const tb = new Map((db.sample_types || []).map((t) => [t.type, t.unit]));
    const common = (dt.sample_types || []).filter((t) => tb.get(t.type) === t.unit);
    if (!common.length) {
      $('toolbar').hidden = true;
      showViewMsg('These snapshots share no sample type, so they cannot be compared.', true);
      return;
    }
    setSampleTypes(common, dt.default_sample_type, opts.type);
    await loadData(seq, opts);
  }

  function setSampleTypes(types, def, want) {
    S.sampleTypes = types;
    const names = types.map((t) => t.type);
    S.sampleType = names.includes(want) ? want : names.includes(def) ? def : names[0] || null;
    const sel = $('sample-type');
    sel.textContent = '';
    for (const t of types) {
      sel.append(el('option', { value: t.type, text: t.type + ' (' + t.unit + ')', selected: t.type === S.sampleType }));
    }
    sel.value = S.sampleType;
  }

  async function loadData(seq, opts) {
    const v = S.view;
    const st = encodeURIComponent(S.sampleType || '');
    showViewMsg('Loading ' + (S.sampleType || '') + '…');
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
      if (seq === S.loadSeq) showViewMsg('Cannot load the profile: ' + e.message, true);
      return;
    }
    if (seq !== S.loadSeq) return;
    if (!flame || !flame.root) { showViewMsg('The agent sent a profile without a tree.', true); return; }
    const isDiff = v.mode === 'diff';
    S.unit = flame.unit || '';
    S.model = prepare(flame.root, isDiff);
    if (isDiff) {
      S.total = flame.target_total || S.model.root.v;
      S.baseTotal = flame.base_total || S.model.root.b;
      S.topRows = aggregate(S.model.root);
      if (!['function', 'bflat', 'tflat', 'dflat', 'bcum', 'tcum', 'dcum'].includes(S.sort.key)) {
        S.sort = { key: 'dflat', dir: -1 };
      }
    } else {
      S.total = flame.total || S.model.root.v;
      S.baseTotal = 0;
      S.topRows = (top && Array.isArray(top.rows)) ? top.rows : [];
      S.topError = top && top.error ? top.error : null;
      if (!['function', 'flat', 'cum'].includes(S.sort.key)) S.sort = { key: 'flat', dir: -1 };
    }
    S.zoom = opts.zoom && opts.zoom.length ? nodeByPath(opts.zoom) : null;
    if (S.zoom === S.model.root) S.zoom = null;
    if (opts.fn !== undefined) S.focusFn = opts.fn || null;
    showViewMsg('');
    $('toolbar').hidden = false;
    $('diff-tools').hidden = !isDiff;
    $('graph-wrap').hidden = false;
    $('crumbs').hidden = false;
    $('top-section').hidden = false;
    setPressed();
    applySearch();
    S.scrollToRoot = true;
    refreshAll();
    if (isDiff) renderGone(); else $('gone').hidden = true;
    if (S.model.root.v <= 0) {
      const heap = !isDiff && kindOf(S.detail).family === 'heap';
      showViewMsg('This profile is empty: no samples of ' + S.sampleType + '.'
        + (heap ? ' Heap profiles see only sampled allocations made since bpfprof attached.' : ''));
    }
  }

  /* ------------------------------------------------------------------ */
  /* Tree model                                                          */

  // Annotates the server's tree in place: parent, depth, x (offset in value
  // units from the root's left edge), v (width value) and s (self). In a diff
  // widths come from the target; b and bs hold the base's values.
  function prepare(root, isDiff) {
    const byName = new Map();
    let count = 0;
    root.parent = null;
    root.depth = 0;
    root.x = 0;
    const stack = [root];
    while (stack.length) {
      const n = stack.pop();
      count++;
      const kids = Array.isArray(n.children) ? n.children : (n.children = []);
      if (isDiff) {
        n.v = +n.target || 0;
        n.b = +n.base || 0;
      } else {
        n.v = +n.value || 0;
        n.s = +n.self || 0;
      }
      let off = n.x, sumT = 0, sumB = 0;
      for (const c of kids) {
        c.parent = n;
        c.depth = n.depth + 1;
        c.x = off;
        const w = isDiff ? (+c.target || 0) : (+c.value || 0);
        off += w;
        sumT += w;
        if (isDiff) sumB += +c.base || 0;
      }
      if (isDiff) {
        n.s = Math.max(0, n.v - sumT);
        n.bs = Math.max(0, n.b - sumB);
      }
      if (n.parent) {
        let a = byName.get(n.name);
        if (!a) byName.set(n.name, a = []);
        a.push(n);
      }
      for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]);
    }
    return { root, byName, count, isDiff };
  }

  function pathOf(n) {
    const out = [];
    for (let p = n; p && p.parent; p = p.parent) out.push(p.name);
    return out.reverse();
  }

  // Names can repeat among siblings (an inlined and a real frame of one
  // function); the widest one wins, which is what a shared link most likely meant.
  function nodeByPath(names) {
    let n = S.model.root;
    for (const name of names) {
      let best = null;
      for (const c of n.children) if (c.name === name && (!best || c.v > best.v)) best = c;
      if (!best) break;
      n = best;
    }
    return n;
  }

  // Per-function totals of a diff tree, for its table: flat sums self, cum
  // counts a function once per stack so recursion is not double counted.
  function aggregate(root) {
    const rows = new Map();
    const onPath = new Map();
    const stack = [[root, false]];
    while (stack.length) {
      const [n, leaving] = stack.pop();
      if (n.parent) {
        if (leaving) {
          onPath.set(n.name, onPath.get(n.name) - 1);
          continue;
        }
        let r = rows.get(n.name);
        if (!r) rows.set(n.name, r = { function: n.name, bflat: 0, tflat: 0, bcum: 0, tcum: 0 });
        r.bflat += n.bs;
        r.tflat += n.s;
        const depthOnPath = onPath.get(n.name) || 0;
        if (!depthOnPath) { r.bcum += n.b; r.tcum += n.v; }
        onPath.set(n.name, depthOnPath + 1);
        stack.push([n, true]);
      }
      for (let i = n.children.length - 1; i >= 0; i--) stack.push([n.children[i], false]);
    }
    return Array.from(rows.values());
  }

  /* ------------------------------------------------------------------ */
  /* Search                                                              */

  function applySearch() {
    const input = $('search');
    const status = $('search-status');
    S.re = null;
    S.matched = 0;
    input.classList.remove('invalid');
    status.className = 'search-status';
    status.textContent = '';
    if (S.search) {
      try {
        S.re = new RegExp(S.search);
      } catch (e) {
        input.classList.add('invalid');
        status.classList.add('bad');
        status.textContent = 'Invalid regular expression: ' + String(e.message).replace(/^Invalid regular expression: /, '');
      }
    }
    if (!S.model) return;
    const re = S.re;
    // Matched counts a node only when no ancestor matched, so nested hits
    // (recursion, a match calling a match) are not counted twice.
    let matched = 0;
    const stack = [[S.model.root, false]];
    while (stack.length) {
      const [n, under] = stack.pop();
      n.hit = !!(re && n.parent && re.test(n.name));
      if (n.hit && !under) matched += n.v;
      const u = under || n.hit;
      for (let i = n.children.length - 1; i >= 0; i--) stack.push([n.children[i], u]);
    }
    S.matched = matched;
    if (re) {
      status.classList.add('hit');
      const tot = S.model.root.v;
      status.textContent = 'Matched: ' + (tot > 0 ? (matched / tot * 100).toFixed(1) : '0.0') + '%'
        + (matched ? ' (' + fmtValue(matched, S.unit) + ')' : '');
    }
  }

  /* ------------------------------------------------------------------ */
  /* Colours                                                             */

  const HIT_FILL = 'hsl(300, 72%, 58%)';
  const ROOT_FILL = 'hsl(215, 14%, 80%)';

  // Returns [fill, text colour]. The fill is the agent's: one palette, shared
  // with its SVG flamegraphs, picks it by frame kind and name (blues under a
  // wall-clock profile's off-CPU root) and sends it with each node.
  function kindColour(n) {
    if (!n.col) n.col = [n.colour || ROOT_FILL, '#1b1b1b'];
    return n.col;
  }

  function diffDelta(n) {
    if (S.diffAbs) return n.v - n.b;
    return share(n.v, S.total) - share(n.b, S.baseTotal);
  }

  let diffScale = 1;

  function computeDiffScale() {
    let m = 0;
    const stack = S.model.root.children.slice();
    while (stack.length) {
      const n = stack.pop();
      const d = Math.abs(diffDelta(n));
      if (d > m) m = d;
      for (const c of n.children) stack.push(c);
    }
    diffScale = m > 0 ? m : 1;
  }

  // Near-white for no change; the further from zero, the deeper the red or blue.
  function diffColour(n) {
    if (!n.parent) return [ROOT_FILL, '#1b1b1b'];
    const d = diffDelta(n);
    const t = Math.pow(Math.min(1, Math.abs(d) / diffScale), 0.7);
    if (t < 0.02) return ['hsl(0,0%,95%)', '#1b1b1b'];
    const hue = d > 0 ? 2 : 216;
    const light = 94 - 46 * t;
    return ['hsl(' + hue + ',' + (d > 0 ? 78 : 70) + '%,' + light.toFixed(1) + '%)', light < 62 ? '#ffffff' : '#1b1b1b'];
  }

  /* ------------------------------------------------------------------ */
  /* Flame graph drawing                                                 */

  const canvas = $('graph');
  const hoverCanvas = $('graph-hover');
  let rowsHit = [];     // per depth: drawn frames left to right, for hit tests
  let drawnRows = 0;
  let charW = 7.2;
  let lastWidth = 0;
  let hovered = null;

  function refreshAll() {
    writeHash();
    renderCrumbs();
    renderLegend();
    renderTop();
    render();
  }

  function render() {
    const wrap = $('graph-wrap');
    if (!S.model || wrap.hidden) return;
    const W = Math.max(50, wrap.clientWidth);
    lastWidth = W;
    const dpr = window.devicePixelRatio || 1;
    const isDiff = S.model.isDiff;
    const root = S.model.root;
    const z = S.zoom || root;
    if (isDiff) computeDiffScale();
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
    const focus = S.focusFn;
    const outlines = [];
    for (let i = 0; i < drawn.length; i += 3) {
      const n = drawn[i], cx = drawn[i + 1], cw = drawn[i + 2];
      const y = rowY(n.depth);
      const col = n.hit ? [HIT_FILL, '#1b1b1b'] : isDiff ? diffColour(n) : kindColour(n);
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
    if (S.scrollToRoot) {
      S.scrollToRoot = false;
      wrap.scrollTop = S.orient === 'flame' ? wrap.scrollHeight : 0;
    }
  }

  function rowY(depth) {
    return S.orient === 'icicle' ? 1 + depth * FRAME_H : 1 + (drawnRows - 1 - depth) * FRAME_H;
  }

  function hitTest(ev) {
    const r = canvas.getBoundingClientRect();
    const x = ev.clientX - r.left, y = ev.clientY - r.top;
    const row = Math.floor((y - 1) / FRAME_H);
    if (row < 0 || row >= drawnRows) return null;
    const depth = S.orient === 'icicle' ? row : drawnRows - 1 - row;
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

  /* ------------------------------------------------------------------ */
  /* Tooltip                                                             */

  const tooltip = $('tooltip');

  function hideTooltip() {
    tooltip.hidden = true;
    if (hovered) { hovered = null; drawHover(); }
  }

  function tooltipRows(n) {
    const u = S.unit;
    const rows = [];
    const row = (k, v, cls) => rows.push(el('tr', {}, el('td', { class: 'k', text: k }), el('td', { class: cls || '', text: v })));
    if (S.model.isDiff) {
      const d = share(n.v, S.total) - share(n.b, S.baseTotal);
      const cls = (x) => (x > 0 ? 'up' : x < 0 ? 'down' : '');
      row('base #' + S.view.base, fmtValue(n.b, u) + '  (' + fmtPct(share(n.b, S.baseTotal)) + ')');
      row('target #' + S.view.target, fmtValue(n.v, u) + '  (' + fmtPct(share(n.v, S.total)) + ')');
      row('Δ share', fmtPP(d), cls(d));
      row('Δ absolute', fmtSigned(n.v - n.b, u), cls(n.v - n.b));
      row('self b → t', fmtValue(n.bs, u) + ' → ' + fmtValue(n.s, u));
    } else {
      const tot = S.total;
      row('total', fmtValue(n.v, u) + '  (' + fmtPct(share(n.v, tot)) + ' of all)');
      row('self', fmtValue(n.s, u) + '  (' + fmtPct(share(n.s, tot)) + ' of all)');
      if (S.zoom && S.zoom !== n && isUnder(n, S.zoom)) {
        row('of zoomed', fmtPct(share(n.v, S.zoom.v)));
      }
    }
    return rows;
  }

  function isUnder(n, anc) {
    for (let p = n; p; p = p.parent) if (p === anc) return true;
    return false;
  }

  function showTooltip(ev, n) {
    tooltip.textContent = '';
    tooltip.append(
      el('div', { class: 'tt-name', text: n.name }),
      el('div', { class: 'tt-kind', text: n.kind + (n.inlined ? ' · inlined' : '') + (n.depth ? ' · depth ' + n.depth : '') }),
      el('table', {}, el('tbody', {}, ...tooltipRows(n))),
      el('div', { class: 'hint', text: !n.parent && !S.zoom ? 'the whole profile'
        : n === S.zoom ? 'zoomed here' : !n.parent ? 'click to reset the zoom' : 'click to zoom' }));
    tooltip.hidden = false;
    const pad = 14;
    const w = tooltip.offsetWidth, h = tooltip.offsetHeight;
    let x = ev.clientX + pad, y = ev.clientY + pad;
    if (x + w > window.innerWidth - 4) x = Math.max(4, ev.clientX - pad - w);
    if (y + h > window.innerHeight - 4) y = Math.max(4, ev.clientY - pad - h);
    tooltip.style.left = x + 'px';
    tooltip.style.top = y + 'px';
  }

  canvas.addEventListener('mousemove', (ev) => {
    if (!S.model) return;
    const h = hitTest(ev);
    if (!h) { hideTooltip(); return; }
    if (!hovered || hovered.n !== h.n) { hovered = h; drawHover(); }
    showTooltip(ev, h.n);
  });
  canvas.addEventListener('mouseleave', hideTooltip);
  canvas.addEventListener('click', (ev) => {
    if (!S.model) return;
    const h = hitTest(ev);
    if (!h) return;
    zoomTo(h.n);
    hovered = null;
    const again = hitTest(ev);
    if (again) { hovered = again; drawHover(); showTooltip(ev, again.n); } else hideTooltip();
  });

  function zoomTo(n) {
    S.zoom = n && n.parent ? n : null;
    S.scrollToRoot = S.orient === 'flame';
    refreshAll();
  }

  /* ------------------------------------------------------------------ */
  /* Breadcrumbs, legend, disappeared list                               */

  function renderCrumbs() {
    const trail = $('crumb-trail');
    trail.textContent = '';
    if (!S.model) return;
    const chain = [];
    for (let p = S.zoom || S.model.root; p; p = p.parent) chain.push(p);
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
    if (S.focusFn !== null) {
      const occ = (S.model.byName.get(S.focusFn) || []).filter((n) => n.v > 0).length;
      trail.append(el('span', { class: 'focus-note' }, '   Focused on ', el('b', { text: S.focusFn }),
        occ ? ': zoomed to its largest occurrence, ' + occ + ' occurrence' + (occ === 1 ? '' : 's') + ' outlined'
          : ': not in this graph',
        el('button', { type: 'button', title: 'clear the focus', onclick: () => { S.focusFn = null; refreshAll(); }, text: '×' })));
    }
    $('reset-zoom').disabled = !S.zoom && S.focusFn === null;
  }

  function swatch(fill, extra) {
    const s = el('span', { class: 'sw' });
    s.style.background = fill;
    if (extra) s.style.cssText += extra;
    return s;
  }

  function renderLegend() {
    const lg = $('legend');
    lg.textContent = '';
    if (!S.model) { lg.hidden = true; return; }
    lg.hidden = false;
    if (!S.model.isDiff) {
      lg.append(
        el('span', {}, swatch('hsl(28,88%,61%)'), 'user'),
        el('span', {}, swatch('hsl(27,50%,42%)'), 'kernel'),
        el('span', {}, swatch('hsl(178,52%,57%)'), 'inlined'),
        el('span', {}, swatch(HIT_FILL), 'search match'),
        el('span', {}, swatch('#fff', 'border:2px solid #111'), 'focused function'),
        el('span', { class: 'muted', text: 'Width: share of ' + (S.sampleType || 'the total') + '. '
          + (S.orient === 'flame' ? 'Root at the bottom.' : 'Root at the top.') }));
      return;
    }
    computeDiffScale();
    const u = S.unit;
    const lbl = (x) => (S.diffAbs ? fmtSigned(x, u) : fmtPP(x));
    const ramp = el('span', { class: 'ramp' });
    ramp.style.background = 'linear-gradient(to right, hsl(216,70%,48%), hsl(216,70%,80%), hsl(0,0%,95%), hsl(2,78%,80%), hsl(2,78%,48%))';
    const words = S.diffAbs
      ? 'Red: more ' + (S.sampleType || 'value') + ' in the target (#' + S.view.target + ') than in the base (#'
        + S.view.base + '); blue: less; near-white: about the same. Absolute values: the two windows may differ in length (base total '
        + fmtValue(S.baseTotal, u) + ', target total ' + fmtValue(S.total, u) + ').'
      : 'Red: a larger share of the target profile (#' + S.view.target + ') than of the base (#' + S.view.base
        + '); blue: smaller; near-white: about the same. Shares are of each profile\'s own total, so windows of different lengths compare fairly.';
    lg.append(
      el('span', {}, lbl(-diffScale), ramp, lbl(diffScale)),
      el('span', {}, swatch(HIT_FILL), 'search match'),
      el('span', { class: 'muted', text: 'Width: the target profile. Intensity: size of the change, inclusive of callees.' }),
      el('span', { class: 'words', text: words }));
  }

  // Frames present only in the base get no width in a target-width diff;
  // the topmost of each such subtree is listed so they are not lost.
  function renderGone() {
    const box = $('gone');
    const list = $('gone-list');
    list.textContent = '';
    const gone = [];
    const stack = [S.model.root];
    while (stack.length) {
      const n = stack.pop();
      if (n.parent && n.v <= 0) { if (n.b > 0) gone.push(n); continue; }
      for (const c of n.children) stack.push(c);
    }
    gone.sort((a, b) => b.b - a.b);
    box.hidden = gone.length === 0;
    for (const n of gone.slice(0, 40)) {
      const p = pathOf(n.parent);
      list.append(el('li', { title: pathOf(n).join(' › ') },
        el('b', { text: n.name }), ' — ' + fmtValue(n.b, S.unit) + ' (' + fmtPct(share(n.b, S.baseTotal)) + ' of base) ',
        el('span', { class: 'path', text: 'under ' + (p.length ? (p.length > 3 ? '… › ' : '') + p.slice(-3).join(' › ') : 'all') })));
    }
    if (gone.length > 40) list.append(el('li', { class: 'muted', text: '… and ' + (gone.length - 40) + ' more' }));
  }

  /* ------------------------------------------------------------------ */
  /* Top table                                                           */

  function topColumns() {
    const u = S.unit;
    if (S.model && S.model.isDiff) {
      const B = S.baseTotal, T = S.total;
      const dOf = (t, b) => (S.diffAbs ? t - b : share(t, T) - share(b, B));
      const dFmt = (x) => (S.diffAbs ? fmtSigned(x, u) : fmtPP(x));
      const dCls = (x) => 'num ' + (x > 0 ? 'up' : x < 0 ? 'down' : '');
      return [
        { key: 'function', label: 'function', get: (r) => r.function },
        { key: 'bflat', label: 'base flat%', num: true, get: (r) => share(r.bflat, B), fmt: fmtPct },
        { key: 'tflat', label: 'target flat%', num: true, get: (r) => share(r.tflat, T), fmt: fmtPct },
        { key: 'dflat', label: 'Δ flat', num: true, get: (r) => dOf(r.tflat, r.bflat), fmt: dFmt, cls: dCls },
        { key: 'bcum', label: 'base cum%', num: true, get: (r) => share(r.bcum, B), fmt: fmtPct },
        { key: 'tcum', label: 'target cum%', num: true, get: (r) => share(r.tcum, T), fmt: fmtPct },
        { key: 'dcum', label: 'Δ cum', num: true, get: (r) => dOf(r.tcum, r.bcum), fmt: dFmt, cls: dCls },
      ];
    }
    const T = S.total;
    return [
      { key: 'function', label: 'function', get: (r) => r.function },
      { key: 'flat', label: 'flat', num: true, get: (r) => r.flat, fmt: (v) => fmtValue(v, u) },
      { key: 'flat', label: 'flat%', num: true, get: (r) => share(r.flat, T), fmt: fmtPct, pct: true },
      { key: 'cum', label: 'cum', num: true, get: (r) => r.cum, fmt: (v) => fmtValue(v, u) },
      { key: 'cum', label: 'cum%', num: true, get: (r) => share(r.cum, T), fmt: fmtPct, pct: true },
    ];
  }

  function renderTop() {
    if (!S.model || !S.topRows) return;
    const cols = topColumns();
    const table = $('top-table');
    const hr = table.tHead.rows[0];
    hr.textContent = '';
    for (const c of cols) {
      const active = S.sort.key === c.key && !c.pct;
      const th = el('th', {
        class: 'sortable' + (c.num ? ' num' : ''), scope: 'col', 'data-key': c.key,
        'aria-sort': S.sort.key === c.key ? (S.sort.dir < 0 ? 'descending' : 'ascending') : null,
        title: 'sort by ' + c.label,
        onclick: () => {
          if (S.sort.key === c.key) S.sort.dir = -S.sort.dir;
          else S.sort = { key: c.key, dir: c.num ? -1 : 1 };
          renderTop();
        },
      }, c.label, active ? el('span', { class: 'arrow', text: S.sort.dir < 0 ? '▼' : '▲' }) : null);
      hr.append(th);
    }
    const sortCol = cols.find((c) => c.key === S.sort.key) || cols[1];
    const re = S.re;
    let rows = re ? S.topRows.filter((r) => re.test(r.function)) : S.topRows.slice();
    const dir = S.sort.dir;
    const get = sortCol.get;
    rows.sort((a, b) => {
      const x = get(a), y = get(b);
      const c = typeof x === 'string' ? x.localeCompare(y) : x - y;
      return c !== 0 ? c * dir : a.function.localeCompare(b.function);
    });
    const tb = table.tBodies[0];
    tb.textContent = '';
    const frag = document.createDocumentFragment();
    for (const r of rows.slice(0, TOP_ROW_LIMIT)) {
      const tr = el('tr', {
        class: r.function === S.focusFn ? 'focused' : '', 'data-fn': r.function,
        title: r.function + ': click to zoom to its largest occurrence and outline all of them',
        tabindex: 0,
        onclick: () => focusFunction(r.function),
        onkeydown: (e) => { if (e.key === 'Enter') focusFunction(r.function); },
      });
      for (const c of cols) {
        const v = c.get(r);
        tr.append(el('td', { class: c.key === 'function' ? 'fn' : (c.cls ? c.cls(v) : 'num'), text: c.fmt ? c.fmt(v) : v }));
      }
      frag.append(tr);
    }
    if (rows.length > TOP_ROW_LIMIT) {
      frag.append(el('tr', { class: 'more' }, el('td', { colspan: cols.length,
        text: (rows.length - TOP_ROW_LIMIT) + ' more rows; narrow them with the search box' })));
    }
    if (!rows.length) {
      frag.append(el('tr', { class: 'more' }, el('td', { colspan: cols.length,
        text: S.topError && !S.model.isDiff ? 'Cannot load the table: ' + S.topError
          : re ? 'No function matches the search.' : 'No functions.' })));
    }
    tb.append(frag);
    $('top-note').textContent = (re ? rows.length + ' of ' + S.topRows.length : S.topRows.length) + ' functions';
  }

  function focusFunction(name) {
    if (!S.model) return;
    S.focusFn = name;
    const occ = (S.model.byName.get(name) || []).filter((n) => n.v > 0);
    let best = null;
    for (const n of occ) if (!best || n.v > best.v) best = n;
    S.zoom = best && best.parent ? best : null;
    S.scrollToRoot = S.orient === 'flame';
    refreshAll();
    const wrap = $('graph-wrap');
    const r = wrap.getBoundingClientRect();
    if (r.bottom < 0 || r.top > window.innerHeight) wrap.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
  }

  /* ------------------------------------------------------------------ */
  /* Controls                                                            */

  function setPressed() {
    $('orient-flame').setAttribute('aria-pressed', String(S.orient === 'flame'));
    $('orient-icicle').setAttribute('aria-pressed', String(S.orient === 'icicle'));
    $('diff-pct').setAttribute('aria-pressed', String(!S.diffAbs));
    $('diff-abs').setAttribute('aria-pressed', String(S.diffAbs));
  }

  function setOrient(o) {
    if (S.orient === o) return;
    S.orient = o;
    S.scrollToRoot = true;
    setPressed();
    hideTooltip();
    refreshAll();
  }

  function setDiffAbs(abs) {
    if (S.diffAbs === abs) return;
    S.diffAbs = abs;
    setPressed();
    refreshAll();
  }

  let searchTimer = 0;

  function bindControls() {
    $('record-form').addEventListener('submit', startRecording);
    $('rec-kind').addEventListener('change', () => { showRecError(''); renderRecordForm(); });
    $('compare-button').addEventListener('click', () => {
      if (S.pickBase !== null && S.pickTarget !== null) openDiff(S.pickBase, S.pickTarget, { type: S.sampleType });
    });
    $('sample-type').addEventListener('change', (e) => {
      S.sampleType = e.target.value;
      const keep = keepState();
      loadData(++S.loadSeq, keep);
    });
    $('orient-flame').addEventListener('click', () => setOrient('flame'));
    $('orient-icicle').addEventListener('click', () => setOrient('icicle'));
    $('diff-pct').addEventListener('click', () => setDiffAbs(false));
    $('diff-abs').addEventListener('click', () => setDiffAbs(true));
    $('diff-swap').addEventListener('click', () => {
      if (S.view && S.view.mode === 'diff') openDiff(S.view.target, S.view.base, { type: S.sampleType, fn: S.focusFn });
    });
    $('reset-zoom').addEventListener('click', () => { S.focusFn = null; zoomTo(null); });
    $('search').addEventListener('input', (e) => {
      clearTimeout(searchTimer);
      const v = e.target.value;
      // Short debounce: regex over 40k names per keystroke is fine, re-rendering the table is not.
      searchTimer = setTimeout(() => {
        S.search = v;
        applySearch();
        refreshAll();
      }, 120);
    });
    document.addEventListener('keydown', (e) => {
      const tag = (e.target && e.target.tagName) || '';
      if (e.key === 'Escape' && !/INPUT|SELECT|TEXTAREA/.test(tag) && S.model && (S.zoom || S.focusFn !== null)) {
        S.focusFn = null;
        zoomTo(null);
      } else if (e.key === '/' && !/INPUT|SELECT|TEXTAREA/.test(tag) && !$('toolbar').hidden) {
        e.preventDefault();
        $('search').focus();
      }
    });
    window.addEventListener('hashchange', () => applyHash(false));
    let rafPending = false;
    const ro = new ResizeObserver(() => {
      if (rafPending) return;
      rafPending = true;
      requestAnimationFrame(() => {
        rafPending = false;
        const w = $('graph-wrap').clientWidth;
        if (S.model && w && w !== lastWidth) render();
      });
    });
    ro.observe($('graph-wrap'));
    window.addEventListener('scroll', hideTooltip, { passive: true });
  }

  // Applies the hash to the page: on load, and when someone edits or pastes it.
  function applyHash(initial) {
    const h = readHash();
    const o = h.o === 'icicle' ? 'icicle' : 'flame';
    if (o !== S.orient) { S.orient = o; setPressed(); }
    const q = typeof h.q === 'string' ? h.q : '';
    S.search = q;
    $('search').value = q;
    const opts = { type: h.type, zoom: h.zoom || null, fn: h.fn !== undefined ? h.fn : null, abs: h.d === 'abs' };
    const base = parseInt(h.base, 10), target = parseInt(h.target, 10), id = parseInt(h.s, 10);
    if (!isNaN(base) && !isNaN(target)) {
      const v = S.view;
      if (initial || !v || v.mode !== 'diff' || v.base !== base || v.target !== target || opts.type !== S.sampleType
        || opts.abs !== S.diffAbs) {
        openDiff(base, target, opts);
        return true;
      }
    } else if (!isNaN(id)) {
      const v = S.view;
      if (initial || !v || v.mode !== 'snap' || v.id !== id || opts.type !== S.sampleType) {
        openSnapshot(id, opts);
        return true;
      }
    } else {
      return false;
    }
    // Same view: only zoom, focus and search changed.
    if (S.model) {
      S.zoom = opts.zoom ? nodeByPath(opts.zoom) : null;
      if (S.zoom === S.model.root) S.zoom = null;
      S.focusFn = opts.fn;
      applySearch();
      refreshAll();
    }
    return true;
  }

  async function start() {
    try {
      KINDS = kindsFrom(await api('/api/kinds'));
    } catch (e) {
      showViewMsg('Cannot read the profile kinds this agent records: ' + e.message);
      return;
    }
    renderRecordForm();
    bindControls();
    setPressed();
    pollTarget();
    await refreshList();
    setTimeout(pollList, LIST_POLL_MS);
    setTimeout(pollRecordings, REC_POLL_MS);
    if (!applyHash(true)) {
      // Nothing asked for: show the newest ready snapshot, if any.
      const ready = S.snapshots.filter((s) => s.state === 'ready');
      if (ready.length) openSnapshot(ready[ready.length - 1].id, {});
      else showViewMsg('Record a profile, or pick a snapshot on the left.');
    }
  }

  start();
}());
