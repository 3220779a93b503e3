/*
 * dom.js: the two DOM helpers every view module uses: $ finds an element of
 * index.html by id, el builds one with its attributes, listeners and children.
 */

export const $ = (id) => document.getElementById(id);

// Attributes that are undefined, null or false are left out; "on..." ones
// become listeners, "text" the text, true an empty attribute.
export function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  if (attrs) {
    for (const k of Object.keys(attrs)) {
      const v = attrs[k];
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = v;
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else if (v === true) e.setAttribute(k, '');
      else e.setAttribute(k, String(v));
    }
  }
  for (const kid of kids) {
    if (kid === null || kid === undefined || kid === false) continue;
    e.append(kid instanceof Node ? kid : document.createTextNode(String(kid)));
  }
  return e;
}
