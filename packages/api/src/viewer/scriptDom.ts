/**
 * The viewer's browser module `dom.js`: building elements (text only ever through `textContent`: object keys and
 * file names may hold any character) and formatting figures. A formatter returns `undefined` for a value the job
 * does not have, and the page leaves such a row out — it never prints "undefined".
 */
export const VIEWER_DOM_JS = `
export function el(tag, props, children) {
  var e = document.createElement(tag);
  if (props) Object.keys(props).forEach(function (k) {
    if (props[k] === undefined) return;
    if (k === 'text') e.textContent = props[k];
    else if (k === 'className') e.className = props[k];
    else e.setAttribute(k, props[k]);
  });
  (children || []).forEach(function (c) { if (c) e.appendChild(typeof c === 'string' ? document.createTextNode(c) : c); });
  return e;
}
export function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

export function isNum(v) { return typeof v === 'number' && isFinite(v); }
export function bytes(n) {
  if (!isNum(n)) return undefined;
  var u = ['B', 'KB', 'MB', 'GB', 'TB'], i = 0;
  while (n >= 1000 && i < u.length - 1) { n /= 1000; i++; }
  return (i === 0 ? n : n.toFixed(n < 10 ? 2 : 1)) + ' ' + u[i];
}
export function bitrate(bps) { return isNum(bps) && bps > 0 ? (bps >= 1e6 ? (bps / 1e6).toFixed(2) + ' Mb/s' : Math.round(bps / 1e3) + ' kb/s') : undefined; }
export function secs(s) { return !isNum(s) ? undefined : s < 60 ? s.toFixed(1) + ' s' : Math.floor(s / 60) + ' min ' + Math.round(s % 60) + ' s'; }
export function size(m) { return m && isNum(m.width) && isNum(m.height) ? m.width + '×' + m.height : undefined; }
export function usd(v) { return !isNum(v) ? undefined : '$' + (v === 0 ? '0' : v < 0.01 ? v.toFixed(5) : v.toFixed(v < 1 ? 4 : 2)); }
/** The present parts joined (undefined when none is). */
export function join(parts, sep) { var p = parts.filter(function (x) { return x !== undefined && x !== null && x !== ''; }); return p.length ? p.join(sep || ', ') : undefined; }
export function name(loc) { var parts = String(loc).split('?')[0].split('/'); return parts[parts.length - 1] || String(loc); }

/** A two-column table of the rows whose value is present. */
export function figureTable(id, rows) {
  var table = el('table', { id: id });
  rows.forEach(function (r) {
    if (r[1] === undefined || r[1] === null || r[1] === '') return;
    table.appendChild(el('tr', { 'data-row': r[2] }, [el('th', { text: r[0] }), el('td', { text: String(r[1]) })]));
  });
  return table;
}

export function statusCell(job) { return el('span', { className: 'status ' + job.status, text: job.status }); }

var FINAL = ['succeeded', 'failed', 'cancelled', 'interrupted'];
export function isFinal(status) { return FINAL.indexOf(status) >= 0; }

/** Progress of an active job as a bar; a final job says where it stopped instead of looking like progress. */
export function progressOf(job) {
  var p = job.progress || { percent: 0 };
  var pct = isNum(p.percent) ? Math.round(p.percent * 10) / 10 : 0;
  if (job.status === 'succeeded') return el('span', { className: 'progress-text', text: 'done' });
  if (isFinal(job.status)) {
    return el('span', { className: 'progress-text', text: 'stopped' + (p.stage ? ' in ' + p.stage : '') + ' at ' + pct + '%' });
  }
  var bar = el('progress', { max: '100' }); bar.value = pct;
  var extra = join([p.stage, isNum(p.etaSeconds) ? 'ETA ' + secs(p.etaSeconds) : undefined], ' · ');
  return el('span', {}, [bar, ' ' + pct + '%' + (extra ? ' ' + extra : '')]);
}
`;
