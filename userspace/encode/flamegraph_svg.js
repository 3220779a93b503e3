// flamegraph_svg.js: the script inside every SVG flamegraph the agent
// writes (encode/flamegraph_svg.c embeds it at build time): click a frame
// to zoom, Ctrl-F or "Search" to highlight frames matching a regular
// expression, Escape to clear. It finds everything through its own <svg>
// and the fg- class names rather than ids, so two graphs inline in one page
// don't clash; names reach it only through the DOM (each frame's title),
// never spliced into the code, so no symbol can break it. The document must
// never contain the CDATA end marker, which the build checks.
(function () {
  'use strict';
  const script = document.currentScript;
  const svg = (script && script.ownerSVGElement) || document.documentElement;
  const find = (name) => svg.querySelector('.fg-' + name);
  const layer = find('frames');
  const num = (el, name) => Number(el.getAttribute('data-' + name));
  const left = num(layer, 'left');
  const width = num(layer, 'width');
  const total = num(layer, 'total');
  const charWidth = num(layer, 'char-width');
  const textPad = num(layer, 'text-pad');
  const resetControl = find('reset');
  const searchControl = find('search');
  const clearControl = find('clear');
  const details = find('details');
  const matched = find('matched');
  const hint = details.textContent;
  const matchFill = 'rgb(230,0,230)';

  const frames = Array.from(layer.querySelectorAll('g[data-d]'), (g) => {
    const label = g.querySelector('title').textContent;
    const rect = g.querySelector('rect');
    return {
      g,
      rect,
      text: g.querySelector('text'),
      label,
      name: label.slice(0, label.lastIndexOf(' (')),
      x: num(g, 'x'),
      w: num(g, 'w'),
      depth: num(g, 'd'),
      fill: rect.getAttribute('fill'),
    };
  });
  const frameOf = new Map(frames.map((f) => [f.g, f]));

  // The same rule the encoder used: cut to fit, marked with '..'.
  function fit(name, w) {
    const chars = Array.from(name);
    const room = Math.max(0, Math.floor((w - 2 * textPad) / charWidth));
    if (chars.length <= room) return name;
    return room >= 3 ? chars.slice(0, room - 2).join('') + '..' : '';
  }

  function place(f, x, w) {
    f.rect.setAttribute('x', x.toFixed(2));
    f.rect.setAttribute('width', w.toFixed(2));
    f.text.setAttribute('x', (x + textPad).toFixed(2));
    f.text.textContent = fit(f.name, w);
  }

  // The target spans the full width; its ancestors stay, full width and
  // faded, for context; frames beside it are hidden. Extents are in value
  // units, so containment is exact.
  function zoom(target) {
    const zoomed = target && target.depth > 0 ? target : null;
    const from = zoomed ? zoomed.x : 0;
    const span = zoomed ? zoomed.w : total;
    const depth = zoomed ? zoomed.depth : 0;
    for (const f of frames) {
      const ancestor = f.depth < depth && f.x <= from && f.x + f.w >= from + span;
      const inside = f.depth >= depth && f.x >= from && f.x + f.w <= from + span;
      f.g.style.display = ancestor || inside ? '' : 'none';
      f.g.style.opacity = ancestor ? '0.6' : '';
      if (ancestor) place(f, left, width);
      else if (inside) place(f, left + (f.x - from) * width / span, f.w * width / span);
    }
    resetControl.setAttribute('visibility', zoomed ? 'visible' : 'hidden');
  }

  // A match inside a matching frame is part of the same samples, so
  // overlapping extents are merged before they are added up.
  function coveredValue(extents) {
    extents.sort((a, b) => a[0] - b[0]);
    let sum = 0;
    let end = -Infinity;
    for (const [start, stop] of extents) {
      if (stop > end) {
        sum += stop - Math.max(start, end);
        end = stop;
      }
    }
    return sum;
  }

  let term = '';
  function search(pattern) {
    let re;
    try {
      re = new RegExp(pattern);
    } catch {
      details.textContent = 'Not a regular expression: ' + pattern;
      return;
    }
    term = pattern;
    const extents = [];
    for (const f of frames) {
      const hit = f.depth > 0 && re.test(f.name);
      f.rect.setAttribute('fill', hit ? matchFill : f.fill);
      if (hit) extents.push([f.x, f.x + f.w]);
    }
    matched.textContent = 'Matched: ' + (100 * coveredValue(extents) / total).toFixed(1) + '%';
    matched.setAttribute('visibility', 'visible');
    clearControl.setAttribute('visibility', 'visible');
  }

  function clearSearch() {
    term = '';
    for (const f of frames) f.rect.setAttribute('fill', f.fill);
    matched.setAttribute('visibility', 'hidden');
    clearControl.setAttribute('visibility', 'hidden');
  }

  function askForSearch() {
    const pattern = window.prompt('Search frames for a regular expression:', term);
    if (pattern === null) return;
    if (pattern === '') clearSearch();
    else search(pattern);
  }

  const hovered = (event) => frameOf.get(event.target.closest('g[data-d]'));
  layer.addEventListener('click', (event) => {
    const f = hovered(event);
    if (f) zoom(f);
  });
  layer.addEventListener('mouseover', (event) => {
    const f = hovered(event);
    details.textContent = f ? f.label : hint;
  });
  layer.addEventListener('mouseout', () => {
    details.textContent = hint;
  });
  resetControl.addEventListener('click', () => zoom(null));
  searchControl.addEventListener('click', askForSearch);
  clearControl.addEventListener('click', clearSearch);
  window.addEventListener('keydown', (event) => {
    if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 'f') {
      event.preventDefault();
      askForSearch();
    } else if (event.key === 'Escape') {
      clearSearch();
    }
  });
})();
