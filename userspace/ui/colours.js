/*
 * colours.js: the colour of a frame of a plain flame graph (kindColour), the
 * fills shared with a comparison's colours (diff.js) and the legend's
 * swatches of the frames on screen. Pure: reads only the node.
 */

export const HIT_FILL = 'hsl(300, 72%, 58%)';
export const ROOT_FILL = 'hsl(215, 14%, 80%)';

// The legend of a plain graph: one swatch per kind of frame the graph holds
// (inlined apart), each the colour the agent gave the first such frame, so
// the legend names exactly the families on screen.
const LEGEND_ORDER = ['native', 'kernel', 'inlined', 'interpreted', 'jit'];

export function frameLegend(root) {
  const seen = new Map();
  const stack = root ? [root] : [];
  while (stack.length && seen.size < LEGEND_ORDER.length) {
    const n = stack.pop();
    const label = n.inlined ? 'inlined' : n.kind;
    if (LEGEND_ORDER.includes(label) && !seen.has(label) && n.colour) seen.set(label, n.colour);
    for (const c of n.children || []) stack.push(c);
  }
  return LEGEND_ORDER.filter((label) => seen.has(label)).map((label) => [seen.get(label), label]);
}

// Returns [fill, text colour], cached on the node as n.col. The fill is the
// agent's: one palette (encode/palette.c), shared with its SVG flamegraphs,
// picks it by frame kind and name (blues under a wall-clock profile's off-CPU
// root) and sends it with each node, so the UI keeps no hues of its own.
export function kindColour(n) {
  if (!n.col) n.col = [n.colour || ROOT_FILL, '#1b1b1b'];
  return n.col;
}
