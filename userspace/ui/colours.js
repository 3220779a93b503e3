/*
 * colours.js: the colour of a frame of a plain flame graph (kindColour), the
 * fills shared with a comparison's colours (diff.js) and the legend's
 * swatches of them. Pure: reads only the node and its ancestors.
 */

export const HIT_FILL = 'hsl(300, 72%, 58%)';
export const ROOT_FILL = 'hsl(215, 14%, 80%)';

// What the legend of a plain graph shows for the frame colours.
export const FRAME_LEGEND = [
  ['hsl(28,88%,61%)', 'user'],
  ['hsl(27,50%,42%)', 'kernel'],
  ['hsl(178,52%,57%)', 'inlined'],
];

function hashName(s) {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

// Under a wall-clock profile's off-CPU root, time spent waiting: blues,
// whatever the frame, so the two halves read apart at a glance.
function offCpu(n) {
  for (let p = n.parent; p; p = p.parent) if (p.kind === 'state') return p.name === 'off-CPU';
  return false;
}

// Returns [fill, text colour], cached on the node as n.col. Hue comes from
// the name so one function keeps its colour across zooms, reloads and snapshots.
export function kindColour(n) {
  if (n.col) return n.col;
  const h = hashName(n.name);
  const a = h % 997, b = (h >>> 10) % 997, c = (h >>> 20) % 997;
  let fill, dark = true;
  if (n.kind !== 'state' && n.kind !== 'root' && offCpu(n)) {
    n.col = ['hsl(' + (195 + a % 40) + ',' + (45 + b % 25) + '%,' + (55 + c % 15) + '%)', '#1b1b1b'];
    return n.col;
  }
  switch (n.kind) {
    case 'root': fill = ROOT_FILL; break;
    case 'kernel': // dull orange-brown, clearly apart from the bright user palette
      fill = 'hsl(' + (20 + a % 16) + ',' + (44 + b % 16) + '%,' + (38 + c % 10) + '%)';
      dark = false;
      break;
    case 'inlined':
      fill = 'hsl(' + (170 + a % 20) + ',' + (44 + b % 16) + '%,' + (52 + c % 12) + '%)';
      break;
    case 'process': // a process of a set: grey-violet, not a function's colour
      fill = 'hsl(' + (250 + a % 20) + ',20%,' + (62 + c % 10) + '%)';
      break;
    case 'state': // the wall clock's two halves: on-CPU green, off-CPU blue
      fill = n.name === 'off-CPU' ? 'hsl(215,55%,62%)' : 'hsl(120,35%,58%)';
      break;
    case 'user':
      fill = 'hsl(' + (a % 52) + ',' + (74 + b % 20) + '%,' + (58 + c % 10) + '%)';
      break;
    default:
      fill = 'hsl(0,0%,' + (70 + a % 10) + '%)';
  }
  n.col = [fill, dark ? '#1b1b1b' : '#ffffff'];
  return n.col;
}
