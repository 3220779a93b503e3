/*
 * state.js: the page's mutable state, in three records of the shape below.
 * Each field names the module that writes it; the others only read it. The
 * pure modules (format, kinds, hash, tree, diff, colours, health) never see
 * these records: they take what they need as arguments.
 */

// What the agent reports, and the picks made on its snapshots.
export const agent = {
  kinds: {},        // kind name -> kinds.js's record, from /api/kinds (app.js)
  tracedSet: null,  // /api/traced-set's answer (traced_set.js)
  snapshots: [],    // /api/snapshots rows by id (snapshots.js; record.js adds the one it starts)
  store: null,      // {bytes, budget, evicted}: the snapshots' memory (snapshots.js)
  mine: new Set(),  // ids of recordings started from this page (record.js; snapshots.js drops deleted ones)
  lastMine: null,   // the latest of them, opened once ready (record.js sets it, view.js clears it)
  pickBase: null,   // the B and T picks (snapshots.js; view.js when a comparison opens)
  pickTarget: null,
};

// Which profile is on view, and its loaded data (view.js).
export const view = {
  shown: null,      // {mode: 'snap', id} | {mode: 'diff', base, target} | null
  waiting: false,   // the snapshot shown is still recording: it opens when ready
  detail: null,     // /api/snapshots/ID, or {base, target} of two for a comparison
  sampleTypes: [],  // [{type, unit}] offered by the selector
  sampleType: null, // the one drawn
  loadSeq: 0,       // bumped by each load, so an answer for an older one is dropped
  profile: null,    // the loaded profile or null: {model (tree.js), unit, total,
                    // baseTotal (a comparison's), rows (top table), rowsError}
};

// How the profile is shown: toolbar, zoom, search and table (view.js; app.js
// for the toolbar's orient, diffAbs and search).
export const look = {
  orient: 'flame',  // 'flame' (root at the bottom) | 'icicle'
  zoom: null,       // the node of view.profile.model zoomed into; null: the root
  focusFn: null,    // the function picked in the top table, outlined in the graph
  search: '',       // the search box's regular expression
  re: null,         // search compiled; null when empty or invalid
  diffAbs: false,   // a comparison in absolute values rather than shares
  sort: { key: 'flat', dir: -1 }, // top table column and direction (top_table.js)
  scrollToRoot: false, // the next drawing scrolls the root into view (flame.js clears it)
};
