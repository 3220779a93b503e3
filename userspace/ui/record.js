/*
 * record.js: the Record form: the kinds it offers (and why some are not,
 * from the traced set's state), what it asks for the chosen kind, starting a
 * recording (POST /api/snapshots) and saying why one could not start or
 * failed. One recording started here at a time.
 */

import { api } from './api.js';
import { $, el } from './dom.js';
import { fmtInt } from './format.js';
import { kindUnavailable } from './kinds.js';
import { refreshList, renderSnapshots } from './snapshots.js';
import { agent } from './state.js';
import { refreshTracedSet } from './traced_set.js';

export function bindRecordForm() {
  $('record-form').addEventListener('submit', startRecording);
  $('rec-kind').addEventListener('change', () => { showRecError(''); renderRecordForm(); });
}

function unavailable(kind) { return kindUnavailable(agent.kinds, kind, agent.tracedSet); }

function renderKindOptions() {
  const sel = $('rec-kind');
  if (!sel.options.length) {
    for (const k of Object.keys(agent.kinds)) sel.append(el('option', { value: k, text: agent.kinds[k].option }));
  }
  for (const o of sel.options) {
    const why = unavailable(o.value);
    o.disabled = !!why;
    o.title = why;
  }
}

// Label, input, button and hint follow the chosen kind.
export function renderRecordForm() {
  renderKindOptions();
  const kind = $('rec-kind').value;
  const K = agent.kinds[kind];
  const input = $('rec-seconds');
  $('rec-seconds-label').textContent = K.input || '';
  $('rec-seconds-label').hidden = !K.input;
  input.hidden = !K.input;
  input.disabled = !K.input;
  input.min = String(K.min);
  $('rec-button').textContent = K.button;
  const why = unavailable(kind);
  const rate = agent.tracedSet ? agent.tracedSet.heap_rate : 0;
  const hint = $('rec-hint');
  const sampling = rate === 1 ? 'every allocation recorded' : 'sampled every ' + fmtInt(rate) + ' bytes on average';
  hint.textContent = why ? 'Cannot record: ' + why + '.'
    : !K.needsHeap || !rate ? ''
      : 'Heap profiles count only allocations made since bpfprof attached (' + sampling + ').'
        + (kind === 'leaks' ? ' Leaks: allocations still in use that are older than the given age.' : '');
  hint.hidden = !hint.textContent;
  updateRecordButton();
}

function myRecordingActive() {
  for (const s of agent.snapshots) if (agent.mine.has(s.id) && s.state === 'recording') return true;
  return false;
}

export function updateRecordButton() {
  const btn = $('rec-button');
  const why = unavailable($('rec-kind').value);
  btn.disabled = !!why || myRecordingActive();
  btn.title = why || (btn.disabled ? 'waiting for the recording started here to finish' : '');
}

function showRecError(msg) {
  const e = $('rec-error');
  e.textContent = msg || '';
  e.hidden = !msg;
}

// A recording started here that failed says why under the form.
export function recordingEnded(s) {
  if (s.state === 'failed' && agent.mine.has(s.id)) {
    showRecError('Recording #' + s.id + ' failed: ' + (s.error || 'no reason given'));
  }
}

async function startRecording(ev) {
  ev.preventDefault();
  const kind = $('rec-kind').value;
  const K = agent.kinds[kind];
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
    agent.mine.add(r.id);
    agent.lastMine = r.id;
    // Show the bar at once rather than after the next list poll.
    agent.snapshots.push({ id: r.id, kind, state: 'recording', seconds: n, started_unix_ms: Date.now(),
      elapsed_ms: 0, samples: 0, lost: 0, error: null });
    renderSnapshots();
    refreshList();
  } catch (e) {
    showRecError('Could not start recording: ' + e.message);
    // 410: the target exited; 409: heap tracing is off. Either way the
    // traced set's state tells the form what it can still offer.
    if (e.status === 410 || e.status === 409) refreshTracedSet();
  }
  updateRecordButton();
}
