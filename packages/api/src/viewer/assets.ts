/**
 * The viewer's page, stylesheet and script: plain HTML/CSS/JS served as they are (no bundler, no CDN). The script
 * only ever puts job data into the page with `textContent` (object keys may hold any character).
 */

/** The single page (the script renders the jobs list at `/viewer` and one job at `/viewer/jobs/:id`). */
export const VIEWER_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>vodsr viewer</title>
<link rel="stylesheet" href="/viewer/assets/viewer.css">
<script src="/viewer/assets/hls.min.js" defer></script>
<script src="/viewer/assets/viewer.js" defer></script>
</head>
<body>
<header><a href="/viewer" class="brand">vodsr</a><span class="sub">super-resolution jobs</span></header>
<main id="app"><p>Loading…</p></main>
</body>
</html>
`;

/** The stylesheet. */
export const VIEWER_CSS = `
:root { color-scheme: light dark; --fg: #1b1f24; --muted: #667; --bg: #fafafa; --card: #fff; --line: #dde; --accent: #2563eb; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6e6e6; --muted: #99a; --bg: #111418; --card: #1a1e24; --line: #2c323a; } }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, sans-serif; color: var(--fg); background: var(--bg); }
header { display: flex; gap: 12px; align-items: baseline; padding: 10px 20px; border-bottom: 1px solid var(--line); background: var(--card); }
.brand { font-weight: 700; font-size: 18px; color: var(--fg); text-decoration: none; }
.sub { color: var(--muted); }
main { padding: 16px 20px; max-width: 1200px; margin: 0 auto; }
table { border-collapse: collapse; width: 100%; background: var(--card); }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { color: var(--muted); font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.mono { font-family: ui-monospace, monospace; font-size: 12px; word-break: break-all; }
.status { font-weight: 600; }
.status.succeeded { color: #16a34a; } .status.failed, .status.interrupted { color: #dc2626; } .status.cancelled { color: var(--muted); }
progress { width: 140px; }
.error { color: #dc2626; }
.note { padding: 6px 10px; border-left: 3px solid #f59e0b; background: rgba(245, 158, 11, .1); margin: 6px 0; }
.compare { position: relative; width: 100%; aspect-ratio: 16 / 9; background: #000; overflow: hidden; user-select: none; }
.compare video { position: absolute; inset: 0; width: 100%; height: 100%; object-fit: contain; }
.compare .divider { position: absolute; top: 0; bottom: 0; width: 2px; background: #fff; box-shadow: 0 0 4px #000; pointer-events: none; }
.compare .label { position: absolute; top: 8px; padding: 2px 8px; background: rgba(0, 0, 0, .6); color: #fff; border-radius: 4px; font-size: 12px; }
.compare .label.left { left: 8px; } .compare .label.right { right: 8px; }
.controls { display: flex; gap: 10px; align-items: center; margin: 8px 0 16px; flex-wrap: wrap; }
.controls input[type=range] { flex: 1; min-width: 160px; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); gap: 16px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: 12px; }
h1 { font-size: 20px; margin: 4px 0 12px; } h2 { font-size: 15px; margin: 0 0 8px; }
button, select, input[type=password] { font: inherit; padding: 4px 10px; }
`;

/** The script: jobs list (refreshed every second), job page (server-sent events), player, figures. */
export const VIEWER_JS = String.raw`(function () {
  'use strict';
  var TOKEN_KEY = 'vodsr.token';
  var app = document.getElementById('app');

  function token() { return sessionStorage.getItem(TOKEN_KEY) || ''; }
  function authHeaders() { var t = token(); return t ? { authorization: 'Bearer ' + t } : {}; }

  function el(tag, props, children) {
    var e = document.createElement(tag);
    if (props) Object.keys(props).forEach(function (k) {
      if (k === 'text') e.textContent = props[k];
      else if (k === 'className') e.className = props[k];
      else e.setAttribute(k, props[k]);
    });
    (children || []).forEach(function (c) { if (c) e.appendChild(typeof c === 'string' ? document.createTextNode(c) : c); });
    return e;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

  function askToken(message) {
    clear(app);
    var input = el('input', { type: 'password', placeholder: 'API token', id: 'token' });
    var form = el('form', {}, [el('p', { text: message || 'This API needs a bearer token.' }), input, ' ', el('button', { type: 'submit', text: 'Use token' })]);
    form.addEventListener('submit', function (ev) { ev.preventDefault(); sessionStorage.setItem(TOKEN_KEY, input.value); route(); });
    app.appendChild(form);
  }

  // An API answer that is not ok, in the page: carries the problem's code (from the server's ERROR_CODES table).
  class ApiError extends Error {
    constructor(code, message) { super(message); this.name = 'ApiError'; this.code = code; }
  }

  function api(path) {
    return fetch(path, { headers: authHeaders() }).then(function (r) {
      if (r.status === 401) { askToken(); throw new ApiError('VODSR_UNAUTHORIZED', 'unauthorized'); }
      return r.json().then(function (body) {
        if (!r.ok) throw new ApiError(body.code, (body.code || r.status) + ': ' + (body.detail || r.statusText));
        return body;
      });
    });
  }

  function bytes(n) {
    if (n === undefined || n === null) return '–';
    var u = ['B', 'KB', 'MB', 'GB', 'TB'], i = 0;
    while (n >= 1000 && i < u.length - 1) { n /= 1000; i++; }
    return (i === 0 ? n : n.toFixed(n < 10 ? 2 : 1)) + ' ' + u[i];
  }
  function bitrate(bps) { return bps ? (bps >= 1e6 ? (bps / 1e6).toFixed(2) + ' Mb/s' : Math.round(bps / 1e3) + ' kb/s') : '–'; }
  function secs(s) { return s === undefined || s === null || isNaN(s) ? '–' : s < 60 ? s.toFixed(1) + ' s' : Math.floor(s / 60) + ' min ' + Math.round(s % 60) + ' s'; }
  function size(m) { return m ? m.width + '×' + m.height : '–'; }
  function name(loc) { var parts = String(loc).split('/'); return parts[parts.length - 1] || String(loc); }
  function statusCell(job) { return el('span', { className: 'status ' + job.status, text: job.status }); }
  function progressOf(job) {
    var p = el('progress', { max: '100' }); p.value = job.progress ? job.progress.percent : 0;
    var stage = job.progress && job.progress.stage ? ' ' + job.progress.stage : '';
    return el('span', {}, [p, ' ' + (job.progress ? job.progress.percent : 0) + '%' + stage]);
  }

  // ------------------------------------------------------------------ jobs list
  var listTimer;
  function jobsPage() {
    clear(app);
    var table = el('table', { id: 'jobs' }, [el('thead', {}, [el('tr', {}, ['Job', 'Source', 'Status', 'Progress', 'Model', 'Created'].map(function (h) { return el('th', { text: h }); }))])]);
    var body = el('tbody');
    table.appendChild(body);
    var err = el('p', { className: 'error' });
    app.appendChild(el('h1', { text: 'Jobs' }));
    app.appendChild(err);
    app.appendChild(table);
    function refresh() {
      api('/v1/jobs?limit=50').then(function (page) {
        err.textContent = '';
        clear(body);
        if (page.jobs.length === 0) body.appendChild(el('tr', {}, [el('td', { colspan: '6', text: 'No jobs yet: upload a video to the input bucket.' })]));
        page.jobs.forEach(function (job) {
          var link = el('a', { href: '/viewer/jobs/' + encodeURIComponent(job.id), className: 'mono', 'data-job': job.id, text: job.id });
          body.appendChild(el('tr', { 'data-status': job.status }, [
            el('td', {}, [link]),
            el('td', { className: 'mono', text: job.spec.source }),
            el('td', {}, [statusCell(job)]),
            el('td', {}, [progressOf(job)]),
            el('td', { text: (job.outputs && job.outputs.modelUsed) || job.spec.model }),
            el('td', { text: new Date(job.createdAt).toLocaleString() }),
          ]));
        });
      }).catch(function (e) { if (e.message !== 'unauthorized') err.textContent = e.message; });
    }
    refresh();
    listTimer = setInterval(refresh, 1000);
  }

  // ------------------------------------------------------------------ one job
  function streamEvents(id, onEvent) {
    // fetch instead of EventSource: it can send the bearer token
    var ctrl = new AbortController();
    fetch('/v1/jobs/' + encodeURIComponent(id) + '/events', { headers: authHeaders(), signal: ctrl.signal }).then(function (r) {
      if (!r.ok || !r.body) return;
      var reader = r.body.getReader(), dec = new TextDecoder(), buf = '';
      function pump() {
        return reader.read().then(function (chunk) {
          if (chunk.done) return;
          buf += dec.decode(chunk.value, { stream: true });
          var i;
          while ((i = buf.indexOf('\n\n')) >= 0) {
            var block = buf.slice(0, i); buf = buf.slice(i + 2);
            var type = 'message', data = [];
            block.split('\n').forEach(function (line) {
              if (line.indexOf('event:') === 0) type = line.slice(6).trim();
              else if (line.indexOf('data:') === 0) data.push(line.slice(5).trim());
            });
            if (data.length) { try { onEvent(type, JSON.parse(data.join('\n'))); } catch (e) { /* ignore a bad block */ } }
          }
          return pump();
        });
      }
      return pump();
    }).catch(function () { /* stream closed */ });
    return ctrl;
  }

  function figuresCard(job, media) {
    var o = job.outputs || {}, t = o.timings || {}, src = o.source || {}, sr = o.sr || {};
    var queued = job.startedAt ? (Date.parse(job.startedAt) - Date.parse(job.createdAt)) / 1000 : undefined;
    var total = t.totalSeconds;
    var rows = [
      ['Model', o.modelUsed || job.spec.model],
      ['Encoder', o.encoderUsed || '–'],
      ['Source', size(src) + (src.fps ? ' @ ' + Math.round(src.fps * 100) / 100 + ' fps' : '') + ', ' + secs(src.durationSeconds) + ', ' + (src.videoCodec || '?') + (src.hasAudio ? ' + ' + (src.audioCodec || 'audio') : ', no audio')],
      ['Source size / bitrate', bytes(media && media.source.sizeBytes !== undefined ? media.source.sizeBytes : src.sizeBytes) + ' / ' + bitrate(src.bitRate)],
      ['SR file', size(sr) + ', ' + (sr.videoCodec || '?')],
      ['SR size / bitrate', bytes(media && media.sr && media.sr.sizeBytes !== undefined ? media.sr.sizeBytes : sr.sizeBytes) + ' / ' + bitrate(sr.bitRate)],
      ['HLS size', bytes(media && media.hls ? media.hls.sizeBytes : undefined)],
      ['Queued', secs(queued)],
      ['Upscale (host)', secs(t.upscaleSeconds)],
      ['Packaging', secs(t.packagingSeconds)],
      ['Total', secs(total)],
      ['Speed', total && src.durationSeconds ? (src.durationSeconds / total).toFixed(2) + '× realtime' : '–'],
    ];
    var table = el('table', { id: 'figures' });
    rows.forEach(function (r) { table.appendChild(el('tr', {}, [el('th', { text: r[0] }), el('td', { text: String(r[1]) })])); });
    (o.renditions || []).forEach(function (r) {
      table.appendChild(el('tr', {}, [el('th', { text: 'Rendition ' + r.name }), el('td', { text: r.width + '×' + r.height + ', ' + bitrate(r.bandwidth) })]));
    });
    return el('div', { className: 'card' }, [el('h2', { text: 'Figures' }), table]);
  }

  function player(job, media) {
    var o = job.outputs || {};
    var before = el('video', { id: 'before', muted: '', playsinline: '', preload: 'auto' });
    var after = el('video', { id: 'after', muted: '', playsinline: '', preload: 'auto' });
    before.muted = true; after.muted = true;
    var divider = el('div', { className: 'divider' });
    var box = el('div', { className: 'compare', id: 'compare' }, [before, after, divider,
      el('span', { className: 'label left', text: 'Before: source ' + size(o.source) }),
      el('span', { className: 'label right', text: 'After: SR ' + size(o.sr) + ' (' + (o.modelUsed || job.spec.model) + ')' })]);
    if (o.sr && o.sr.width && o.sr.height) box.style.aspectRatio = o.sr.width + ' / ' + o.sr.height;
    var split = el('input', { type: 'range', id: 'split', min: '0', max: '100', value: '50', 'aria-label': 'before/after split' });
    function applySplit() { var v = Number(split.value); after.style.clipPath = 'inset(0 0 0 ' + v + '%)'; divider.style.left = 'calc(' + v + '% - 1px)'; }
    split.addEventListener('input', applySplit); applySplit();
    var play = el('button', { id: 'play', type: 'button', text: 'Play' });
    var sound = el('button', { id: 'sound', type: 'button', text: 'Sound on' });
    var seek = el('input', { type: 'range', id: 'seek', min: '0', max: '1000', value: '0', 'aria-label': 'seek' });
    var time = el('span', { id: 'time', className: 'mono', text: '0.0 s' });
    var levels = el('select', { id: 'rendition', 'aria-label': 'rendition' }, [el('option', { value: '-1', text: 'auto' })]);
    play.addEventListener('click', function () { if (after.paused) after.play(); else after.pause(); });
    sound.addEventListener('click', function () { after.muted = !after.muted; sound.textContent = after.muted ? 'Sound on' : 'Sound off'; });
    seek.addEventListener('input', function () { if (after.duration) after.currentTime = (Number(seek.value) / 1000) * after.duration; });
    function sync() { if (Math.abs(before.currentTime - after.currentTime) > 0.12) before.currentTime = after.currentTime; }
    after.addEventListener('play', function () { play.textContent = 'Pause'; sync(); before.play().catch(function () {}); });
    after.addEventListener('pause', function () { play.textContent = 'Play'; before.pause(); sync(); });
    after.addEventListener('seeked', sync);
    after.addEventListener('ratechange', function () { before.playbackRate = after.playbackRate; });
    after.addEventListener('timeupdate', function () {
      sync();
      time.textContent = after.currentTime.toFixed(1) + ' / ' + (after.duration ? after.duration.toFixed(1) : '?') + ' s';
      if (after.duration) seek.value = String(Math.round((after.currentTime / after.duration) * 1000));
    });
    before.src = media.source.url;
    var status = el('p', { id: 'player-status', className: 'sub' });
    if (window.Hls && window.Hls.isSupported()) {
      var hls = new window.Hls({ enableWorker: true });
      window.vodsrHls = hls;
      hls.on(window.Hls.Events.MANIFEST_PARSED, function (_e, data) {
        data.levels.forEach(function (l, i) { levels.appendChild(el('option', { value: String(i), text: l.height + 'p · ' + bitrate(l.bitrate) })); });
        status.textContent = 'HLS ready: ' + data.levels.length + ' rendition(s)';
      });
      hls.on(window.Hls.Events.ERROR, function (_e, data) { if (data.fatal) status.textContent = 'HLS error: ' + data.type + ' ' + data.details; });
      levels.addEventListener('change', function () { hls.currentLevel = Number(levels.value); });
      hls.loadSource(media.hls.url);
      hls.attachMedia(after);
    } else if (after.canPlayType('application/vnd.apple.mpegurl')) {
      after.src = media.hls.url;
    } else {
      status.textContent = 'This browser cannot play HLS';
    }
    return el('div', { className: 'card' }, [el('h2', { text: 'Before / after (same timestamp)' }), box,
      el('div', { className: 'controls' }, [play, seek, time, levels, sound]),
      el('label', {}, ['Split ', split]), status]);
  }

  function jobPage(id) {
    clear(app);
    var head = el('div');
    var bodyArea = el('div');
    app.appendChild(el('p', {}, [el('a', { href: '/viewer', text: '← all jobs' })]));
    app.appendChild(head);
    app.appendChild(bodyArea);
    var shown = false;
    function renderHead(job) {
      clear(head);
      head.appendChild(el('h1', {}, ['Job ', el('span', { className: 'mono', text: job.id })]));
      head.appendChild(el('p', {}, [statusCell(job), ' ', progressOf(job)]));
      head.appendChild(el('p', { className: 'mono', text: 'source: ' + job.spec.source }));
      if (job.error) head.appendChild(el('p', { className: 'error', id: 'job-error', text: job.error.code + ': ' + job.error.message }));
      ((job.outputs && job.outputs.notes) || []).forEach(function (n) { head.appendChild(el('div', { className: 'note', text: n })); });
    }
    function renderDone(job) {
      if (shown) return; shown = true;
      if (job.status !== 'succeeded') { bodyArea.appendChild(figuresCard(job, undefined)); return; }
      api('/v1/jobs/' + encodeURIComponent(id) + '/media').then(function (media) {
        var cards = [];
        if (media.hls) cards.push(player(job, media));
        else cards.push(el('p', { text: 'No HLS for this job (packaging preset "none").' }));
        bodyArea.appendChild(el('div', {}, cards));
        bodyArea.appendChild(el('div', { className: 'grid' }, [figuresCard(job, media),
          el('div', { className: 'card' }, [el('h2', { text: 'Files' }),
            el('p', { className: 'mono', text: 'SR file: ' + (job.outputs.srFile || '–') }),
            el('p', { className: 'mono', text: 'HLS: ' + (job.outputs.hlsMaster || '–') }),
            media.sr ? el('a', { href: media.sr.url, text: 'download ' + name(job.outputs.srFile) }) : null])]));
      }).catch(function (e) { bodyArea.appendChild(el('p', { className: 'error', text: e.message })); });
    }
    api('/v1/jobs/' + encodeURIComponent(id)).then(function (job) {
      renderHead(job);
      streamEvents(id, function (type, j) {
        renderHead(j);
        if (type === 'end') renderDone(j);
      });
    }).catch(function (e) { if (e.message !== 'unauthorized') head.appendChild(el('p', { className: 'error', text: e.message })); });
  }

  function route() {
    if (listTimer) clearInterval(listTimer);
    var m = /^\/viewer\/jobs\/([^/]+)\/?$/.exec(location.pathname);
    if (m) jobPage(decodeURIComponent(m[1])); else jobsPage();
  }
  route();
})();
`;
