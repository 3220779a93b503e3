/*
 * traced_set.js: the header naming the traced process or set (PID, command,
 * threads, uptime, rate, running or exited), the exited banner and the
 * connection banner, kept fresh by polling /api/traced-set.
 */

import { api } from './api.js';
import { $, el } from './dom.js';
import { fmtClock, fmtDuration } from './format.js';
import { agent } from './state.js';

const SET_POLL_MS = 3000;
let changed = () => {};

// onChange runs after each answer (the Record form follows the set).
export function pollTracedSet(onChange) {
  changed = onChange;
  poll();
}

async function poll() {
  try {
    agent.tracedSet = await api('/api/traced-set');
    $('conn-banner').hidden = true;
    renderTracedSet();
  } catch (e) {
    const b = $('conn-banner');
    b.textContent = 'Cannot read the target: ' + e.message + '. Retrying every few seconds.';
    b.hidden = false;
  }
  setTimeout(poll, SET_POLL_MS);
}

// Reads the set now, outside the poll (a refused recording says it may
// have changed); a failure is left to the regular poll to report.
export async function refreshTracedSet() {
  try { agent.tracedSet = await api('/api/traced-set'); renderTracedSet(); } catch (e) { /* the regular poll reports it */ }
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

function renderTracedSet() {
  const t = agent.tracedSet;
  const box = $('traced-set');
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
  changed();
}
