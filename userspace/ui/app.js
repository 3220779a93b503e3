/*
 * app.js: the entry of bpfprof's browser UI (index.html loads it as a
 * module). Reads the kinds the agent records, wires the modules to each
 * other and to the page's controls and keys, starts the polls, and opens
 * what the URL hash asks for (or the newest snapshot). No dependencies,
 * nothing from the network beyond the agent.
 *   api       the agent's JSON API          state     the page's state
 *   traced_set the traced set's header      kinds     what a kind asks for
 *   record    the Record form               snapshots list, table, polls
 *   view      opening and loading a view    hash      the URL hash
 *   flame     the canvas, hover, tooltip    colours   frame colours
 *   panels    crumbs, legend, disappeared   diff      a comparison's sums
 *   top_table the top-functions table       tree      the flame tree model
 *   health    the comments' summary line    format    numbers and units
 */

import { api } from './api.js';
import { $ } from './dom.js';
import { bindCanvas, render, widthChanged, hideTooltip } from './flame.js';
import { hashRequest, parseHash } from './hash.js';
import { kindsFrom } from './kinds.js';
import { bindRecordForm, recordingEnded as recordFailed, renderRecordForm, updateRecordButton } from './record.js';
import { initSnapshots, refreshList, startPolling } from './snapshots.js';
import { agent, look, view } from './state.js';
import { pollTracedSet } from './traced_set.js';
import {
  applyRequest, applySearch, changeSampleType, closeDeleted, openDiff, openSnapshot, recordingEnded, refreshAll,
  setPressed, showViewMsg, zoomTo,
} from './view.js';

function setOrient(o) {
  if (look.orient === o) return;
  look.orient = o;
  look.scrollToRoot = true;
  setPressed();
  hideTooltip();
  refreshAll();
}

function setDiffAbs(abs) {
  if (look.diffAbs === abs) return;
  look.diffAbs = abs;
  setPressed();
  refreshAll();
}

function resetZoom() {
  look.focusFn = null;
  zoomTo(null);
}

let searchTimer = 0;

function bindControls() {
  bindRecordForm();
  bindCanvas(zoomTo);
  $('compare-button').addEventListener('click', () => {
    if (agent.pickBase !== null && agent.pickTarget !== null) {
      openDiff(agent.pickBase, agent.pickTarget, { type: view.sampleType });
    }
  });
  $('sample-type').addEventListener('change', (e) => changeSampleType(e.target.value));
  $('orient-flame').addEventListener('click', () => setOrient('flame'));
  $('orient-icicle').addEventListener('click', () => setOrient('icicle'));
  $('diff-pct').addEventListener('click', () => setDiffAbs(false));
  $('diff-abs').addEventListener('click', () => setDiffAbs(true));
  $('diff-swap').addEventListener('click', () => {
    const v = view.shown;
    if (v && v.mode === 'diff') openDiff(v.target, v.base, { type: view.sampleType, fn: look.focusFn });
  });
  $('reset-zoom').addEventListener('click', resetZoom);
  $('search').addEventListener('input', (e) => {
    clearTimeout(searchTimer);
    const v = e.target.value;
    // Short debounce: regex over 40k names per keystroke is fine, re-rendering the table is not.
    searchTimer = setTimeout(() => {
      look.search = v;
      applySearch();
      refreshAll();
    }, 120);
  });
  document.addEventListener('keydown', (e) => {
    const tag = (e.target && e.target.tagName) || '';
    if (e.key === 'Escape' && !/INPUT|SELECT|TEXTAREA/.test(tag) && view.profile && (look.zoom || look.focusFn !== null)) {
      resetZoom();
    } else if (e.key === '/' && !/INPUT|SELECT|TEXTAREA/.test(tag) && !$('toolbar').hidden) {
      e.preventDefault();
      $('search').focus();
    }
  });
  window.addEventListener('hashchange', () => applyRequest(hashRequest(parseHash(location.hash)), false));
  let rafPending = false;
  const ro = new ResizeObserver(() => {
    if (rafPending) return;
    rafPending = true;
    requestAnimationFrame(() => {
      rafPending = false;
      if (widthChanged()) render();
    });
  });
  ro.observe($('graph-wrap'));
}

async function start() {
  try {
    agent.kinds = kindsFrom(await api('/api/kinds'));
  } catch (e) {
    showViewMsg('Cannot read the profile kinds this agent records: ' + e.message);
    return;
  }
  initSnapshots({
    open: (id) => openSnapshot(id, {}),
    done: (s) => { recordFailed(s); recordingEnded(s); },
    deleted: closeDeleted,
    message: showViewMsg,
    changed: updateRecordButton,
  });
  renderRecordForm();
  bindControls();
  setPressed();
  pollTracedSet(renderRecordForm);
  await refreshList();
  startPolling();
  if (!applyRequest(hashRequest(parseHash(location.hash)), true)) {
    // Nothing asked for: show the newest ready snapshot, if any.
    const ready = agent.snapshots.filter((s) => s.state === 'ready');
    if (ready.length) openSnapshot(ready[ready.length - 1].id, {});
    else showViewMsg('Record a profile, or pick a snapshot on the left.');
  }
}

start();
