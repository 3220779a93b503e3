/*
 * kinds.js: the profile kinds the agent records, from its table
 * (/api/kinds), and what the page derives from one: what the Record form
 * asks for it, how a snapshot's span reads, why it cannot be recorded now.
 * A window takes seconds and shows a progress bar; a kind taken at once
 * takes nothing; an age (leaks) is the least age of a live allocation, so 0
 * is allowed. Kinds of one family carry the same sample types and so can be
 * compared. Pure: the kinds table is passed in.
 */

export function kindsFrom(list) {
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

// A snapshot of a kind this page does not know reads as CPU.
export function kindOf(kinds, s) { return kinds[s.kind] || kinds.cpu; }

// The secs column: a window's length, a leak query's least age, or "now".
export function spanText(kinds, s) {
  const span = kindOf(kinds, s).span;
  return span === 'none' ? 'now' : span === 'age' ? '≥' + s.seconds + ' s' : s.seconds + ' s';
}

// The same in words, after the start time (already formatted), for titles.
export function spanWords(kinds, s, at) {
  const span = kindOf(kinds, s).span;
  return span === 'none' ? 'at ' + at
    : span === 'age' ? 'older than ' + s.seconds + ' s, at ' + at
      : s.seconds + ' s from ' + at;
}

// Why a kind cannot be recorded now, or '' when it can. Until the traced
// set is known nothing is refused here; the agent's answer would say why.
export function kindUnavailable(kinds, kind, set) {
  if (!set) return '';
  if (kinds[kind].needsHeap && !set.heap_rate) {
    return 'heap tracing is off: start bpfprof serve with --heap';
  }
  // Heap and leak snapshots read what the agent traced, which outlives the
  // traced set; a window needs a live set to fill it.
  if (!set.alive && kinds[kind].window) {
    return kinds[kind].needsHeap ? 'the target exited; it makes no new allocations to record'
      : 'the target exited; there is no time left to record';
  }
  return '';
}
