/*
 * tree.js: the flame tree the agent sends (/flame, /api/diff), made ready to
 * draw and queried: zoom paths, search matches, a function's occurrences,
 * the frames a comparison's target lost. Pure: works on the tree it is given.
 */

// Annotates the server's tree in place: parent, depth, x (offset in value
// units from the root's left edge), v (width value) and s (self). In a diff
// widths come from the target; b and bs hold the base's values. Returns the
// model: {root, byName (name -> its nodes), count, isDiff}.
export function prepare(root, isDiff) {
  const byName = new Map();
  let count = 0;
  root.parent = null;
  root.depth = 0;
  root.x = 0;
  const stack = [root];
  while (stack.length) {
    const n = stack.pop();
    count++;
    const kids = Array.isArray(n.children) ? n.children : (n.children = []);
    if (isDiff) {
      n.v = +n.target || 0;
      n.b = +n.base || 0;
    } else {
      n.v = +n.value || 0;
      n.s = +n.self || 0;
    }
    let off = n.x, sumT = 0, sumB = 0;
    for (const c of kids) {
      c.parent = n;
      c.depth = n.depth + 1;
      c.x = off;
      const w = isDiff ? (+c.target || 0) : (+c.value || 0);
      off += w;
      sumT += w;
      if (isDiff) sumB += +c.base || 0;
    }
    if (isDiff) {
      n.s = Math.max(0, n.v - sumT);
      n.bs = Math.max(0, n.b - sumB);
    }
    if (n.parent) {
      let a = byName.get(n.name);
      if (!a) byName.set(n.name, a = []);
      a.push(n);
    }
    for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]);
  }
  return { root, byName, count, isDiff };
}

// The names from below the root down to n.
export function pathOf(n) {
  const out = [];
  for (let p = n; p && p.parent; p = p.parent) out.push(p.name);
  return out.reverse();
}

// The node a path of names leads to, as far as it goes. Names can repeat
// among siblings (an inlined and a real frame of one function); the widest
// one wins, which is what a shared link most likely meant.
export function nodeByPath(root, names) {
  let n = root;
  for (const name of names) {
    let best = null;
    for (const c of n.children) if (c.name === name && (!best || c.v > best.v)) best = c;
    if (!best) break;
    n = best;
  }
  return n;
}

export function isUnder(n, anc) {
  for (let p = n; p; p = p.parent) if (p === anc) return true;
  return false;
}

// Sets each node's hit (re matches its name; never the root) and returns the
// value matched. A node counts only when no ancestor matched, so nested hits
// (recursion, a match calling a match) are not counted twice.
export function markMatches(root, re) {
  let matched = 0;
  const stack = [[root, false]];
  while (stack.length) {
    const [n, under] = stack.pop();
    n.hit = !!(re && n.parent && re.test(n.name));
    if (n.hit && !under) matched += n.v;
    const u = under || n.hit;
    for (let i = n.children.length - 1; i >= 0; i--) stack.push([n.children[i], u]);
  }
  return matched;
}

// A function's widest occurrence with any width, or null.
export function largestOccurrence(model, name) {
  let best = null;
  for (const n of model.byName.get(name) || []) if (n.v > 0 && (!best || n.v > best.v)) best = n;
  return best;
}

// How many occurrences of a function have width.
export function occurrences(model, name) {
  return (model.byName.get(name) || []).filter((n) => n.v > 0).length;
}

// Frames present only in the base get no width in a target-width diff: the
// topmost node of each such subtree, largest base value first.
export function goneFrames(root) {
  const gone = [];
  const stack = [root];
  while (stack.length) {
    const n = stack.pop();
    if (n.parent && n.v <= 0) { if (n.b > 0) gone.push(n); continue; }
    for (const c of n.children) stack.push(c);
  }
  return gone.sort((a, b) => b.b - a.b);
}
