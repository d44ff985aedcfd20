// A small Markdown subset for the rules preview (headings, paragraphs, lists, bold, italic,
// code, links), built as DOM nodes so no markup in the text ever runs. The server renders
// the published rules itself; this only shows the organiser what they are writing.

import { h } from './dom.js';

/** @param {string} text @returns {(Node | string)[]} */
function inline(text) {
  /** @type {(Node | string)[]} */
  const out = [];
  const re = /\*\*(.+?)\*\*|\*(.+?)\*|_(.+?)_|`(.+?)`|\[([^\]]+)\]\((https?:\/\/[^)\s]+)\)/g;
  let last = 0;
  for (const m of text.matchAll(re)) {
    const at = m.index ?? 0;
    if (at > last) out.push(text.slice(last, at));
    if (m[1]) out.push(h('strong', {}, ...inline(m[1])));
    else if (m[2] || m[3]) out.push(h('em', {}, ...inline(m[2] || m[3])));
    else if (m[4]) out.push(h('code', {}, m[4]));
    else out.push(h('a', { href: m[6], rel: 'noopener noreferrer' }, m[5]));
    last = at + m[0].length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

/**
 * Renders Markdown into a fragment. Headings start at level `base` (the page's own h1 stays
 * the only h1), so `#` becomes an h3 when base is 3.
 * @param {string} md @param {number} [base]
 */
export function renderMarkdown(md, base = 3) {
  const frag = document.createDocumentFragment();
  /** @type {HTMLUListElement | HTMLOListElement | null} */
  let list = null;
  /** @type {string[]} */
  let para = [];
  const flush = () => {
    if (para.length) frag.appendChild(h('p', {}, ...inline(para.join(' '))));
    para = [];
  };
  for (const raw of md.replace(/\r\n?/g, '\n').split('\n')) {
    const line = raw.trimEnd();
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    const bullet = /^\s*[-*+]\s+(.*)$/.exec(line);
    const numbered = /^\s*\d+[.)]\s+(.*)$/.exec(line);
    if (heading) {
      flush();
      list = null;
      const level = Math.min(6, base + heading[1].length - 1);
      frag.appendChild(h(/** @type {'h3'} */ (`h${level}`), {}, ...inline(heading[2])));
    } else if (bullet || numbered) {
      flush();
      const tag = bullet ? 'ul' : 'ol';
      if (!list || list.tagName.toLowerCase() !== tag) {
        list = h(tag, {});
        frag.appendChild(list);
      }
      list.appendChild(h('li', {}, ...inline((bullet || numbered)?.[1] ?? '')));
    } else if (!line.trim()) {
      flush();
      list = null;
    } else {
      list = null;
      para.push(line.trim());
    }
  }
  flush();
  return frag;
}
