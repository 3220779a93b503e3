/*
 * top_table.js: the top-functions table under the graph: its columns (a
 * profile's flat and cum, or a comparison's base, target and change), sorting
 * by a header, the search filter, and a row's click to focus its function.
 */

import { change } from './diff.js';
import { $, el } from './dom.js';
import { fmtPct, fmtPP, fmtSigned, fmtValue, share } from './format.js';
import { look, view } from './state.js';

const TOP_ROW_LIMIT = 500;   // table rows rendered at once; the rest are counted

// The sort keys of each table, and where a table of the other sort starts.
export function keepSort(isDiff) {
  const keys = isDiff ? ['function', 'bflat', 'tflat', 'dflat', 'bcum', 'tcum', 'dcum'] : ['function', 'flat', 'cum'];
  if (!keys.includes(look.sort.key)) look.sort = { key: isDiff ? 'dflat' : 'flat', dir: -1 };
}

function topColumns(p) {
  const u = p.unit;
  if (p.model.isDiff) {
    const B = p.baseTotal, T = p.total;
    const dOf = (t, b) => change(t, b, p, look.diffAbs);
    const dFmt = (x) => (look.diffAbs ? fmtSigned(x, u) : fmtPP(x));
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
  const T = p.total;
  return [
    { key: 'function', label: 'function', get: (r) => r.function },
    { key: 'flat', label: 'flat', num: true, get: (r) => r.flat, fmt: (v) => fmtValue(v, u) },
    { key: 'flat', label: 'flat%', num: true, get: (r) => share(r.flat, T), fmt: fmtPct, pct: true },
    { key: 'cum', label: 'cum', num: true, get: (r) => r.cum, fmt: (v) => fmtValue(v, u) },
    { key: 'cum', label: 'cum%', num: true, get: (r) => share(r.cum, T), fmt: fmtPct, pct: true },
  ];
}

// focus(name): a row was picked.
export function renderTop(focus) {
  const p = view.profile;
  if (!p || !p.rows) return;
  const cols = topColumns(p);
  const table = $('top-table');
  const hr = table.tHead.rows[0];
  hr.textContent = '';
  for (const c of cols) {
    const active = look.sort.key === c.key && !c.pct;
    const th = el('th', {
      class: 'sortable' + (c.num ? ' num' : ''), scope: 'col', 'data-key': c.key,
      'aria-sort': look.sort.key === c.key ? (look.sort.dir < 0 ? 'descending' : 'ascending') : null,
      title: 'sort by ' + c.label,
      onclick: () => {
        if (look.sort.key === c.key) look.sort.dir = -look.sort.dir;
        else look.sort = { key: c.key, dir: c.num ? -1 : 1 };
        renderTop(focus);
      },
    }, c.label, active ? el('span', { class: 'arrow', text: look.sort.dir < 0 ? '▼' : '▲' }) : null);
    hr.append(th);
  }
  const sortCol = cols.find((c) => c.key === look.sort.key) || cols[1];
  const re = look.re;
  const rows = re ? p.rows.filter((r) => re.test(r.function)) : p.rows.slice();
  const dir = look.sort.dir;
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
      class: r.function === look.focusFn ? 'focused' : '', 'data-fn': r.function,
      title: r.function + ': click to zoom to its largest occurrence and outline all of them',
      tabindex: 0,
      onclick: () => focus(r.function),
      onkeydown: (e) => { if (e.key === 'Enter') focus(r.function); },
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
      text: p.rowsError && !p.model.isDiff ? 'Cannot load the table: ' + p.rowsError
        : re ? 'No function matches the search.' : 'No functions.' })));
  }
  tb.append(frag);
  $('top-note').textContent = (re ? rows.length + ' of ' + p.rows.length : p.rows.length) + ' functions';
}
