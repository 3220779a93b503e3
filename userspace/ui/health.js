/*
 * health.js: a snapshot's profile comments read for the view's head: the
 * warnings the agent marks (WARNING_PREFIX in model/window_health.h), which
 * stand out, and one summary line of the rest (samples, lost, how user
 * stacks were walked) so the many lines of counters can stay folded away.
 * Pure: reads the snapshot detail of /api/snapshots/ID.
 */

import { fmtInt } from './format.js';

const WARNING = 'WARNING: ';
const UNWIND = 'user stacks: ';

// {warnings (prefix replaced by "Warning: "), notes (every other comment)}.
export function splitComments(comments) {
  const warnings = [], notes = [];
  for (const c of comments || []) {
    if (c.startsWith(WARNING)) warnings.push('Warning: ' + c.slice(WARNING.length));
    else notes.push(c);
  }
  return { warnings, notes };
}

// How user stacks were walked, from the unwinder's comment ("user stacks:
// --unwind auto, .eh_frame tables of ..." or "user stacks: frame pointers
// (--unwind fp)"): its first clause, or '' when the profile has none.
export function unwinding(comments) {
  const c = (comments || []).find((x) => x.startsWith(UNWIND));
  return c ? c.slice(UNWIND.length).split(/,|;| \(/)[0].trim() : '';
}

// "12,345 samples · 0 lost · unwinding: --unwind auto · 14 notes"
export function healthSummary(detail) {
  const comments = detail.comments || [];
  const parts = [fmtInt(detail.samples || 0) + ' samples', fmtInt(detail.lost || 0) + ' lost'];
  const how = unwinding(comments);
  if (how) parts.push('unwinding: ' + how);
  const notes = splitComments(comments).notes.length;
  parts.push(notes + ' note' + (notes === 1 ? '' : 's'));
  return parts.join(' · ');
}
