/**
 * The viewer's browser module `viewer.js`: the token page, the jobs list (refreshed every second) and one job's
 * page, which follows the job's server-sent events (parsed with eventsource-parser, served from this server):
 * `job` replaces the record, `progress` updates it.
 */
export const VIEWER_MAIN_JS = String.raw`
import { createParser } from './eventsource-parser/index.js';
import { clear, el, isFinal, progressOf, statusCell } from './dom.js';
import { costCard, figuresCard, filesCard, qualityCard } from './figures.js';
import { player } from './player.js';

var TOKEN_KEY = 'vodsr.token';
var app = document.getElementById('app');

function token() { return sessionStorage.getItem(TOKEN_KEY) || ''; }
function authHeaders() { var t = token(); return t ? { authorization: 'Bearer ' + t } : {}; }

function askToken(refused) {
  clear(app);
  var input = el('input', { type: 'password', placeholder: 'API token', id: 'token', autocomplete: 'off' });
  var form = el('form', { id: 'token-form' }, [
    el('h1', { text: 'API token' }),
    el('p', { className: refused ? 'error' : undefined, text: refused ? 'The API refused this token: enter the right one.' : 'This API needs a bearer token to show its jobs.' }),
    el('p', { id: 'token-help', text: 'Use the token the API server was started with: the --token option or the VODSR_TOKEN environment ' +
      'variable of "vodsr serve" (or a token of buildApp({ auth: { tokens } }) when the API is embedded). Ask whoever runs the server ' +
      'for it. "vodsr dev" runs without a token. The token stays in this browser tab only (sessionStorage).' }),
    input, ' ', el('button', { type: 'submit', text: 'Use token' })]);
  form.addEventListener('submit', function (ev) { ev.preventDefault(); sessionStorage.setItem(TOKEN_KEY, input.value); route(); });
  app.appendChild(form);
}

// An API answer that is not ok, in the page: carries the problem's code (from the server's ERROR_CODES table).
class ApiError extends Error {
  constructor(code, message) { super(message); this.name = 'ApiError'; this.code = code; }
}

function api(path) {
  return fetch(path, { headers: authHeaders() }).then(function (r) {
    if (r.status === 401) { askToken(token() !== ''); throw new ApiError('VODSR_UNAUTHORIZED', 'unauthorized'); }
    return r.json().then(function (body) {
      if (!r.ok) throw new ApiError(body.code, (body.code || r.status) + ': ' + (body.detail || r.statusText));
      return body;
    });
  });
}

// ------------------------------------------------------------------ jobs list
var listTimer;
function jobsPage() {
  clear(app);
  var heads = ['Job', 'Source', 'Status', 'Progress', 'Error', 'Model', 'Created'];
  var table = el('table', { id: 'jobs' }, [el('thead', {}, [el('tr', {}, heads.map(function (h) { return el('th', { text: h }); }))])]);
  var body = el('tbody');
  table.appendChild(body);
  var err = el('p', { className: 'error' });
  app.appendChild(el('h1', { text: 'Jobs' }));
  app.appendChild(err);
  app.appendChild(el('div', { className: 'scroll' }, [table]));
  function refresh() {
    api('/v1/jobs?limit=50').then(function (page) {
      err.textContent = '';
      clear(body);
      if (page.jobs.length === 0) body.appendChild(el('tr', {}, [el('td', { colspan: String(heads.length), text: 'No jobs yet: upload a video to the input bucket.' })]));
      page.jobs.forEach(function (job) {
        var link = el('a', { href: '/viewer/jobs/' + encodeURIComponent(job.id), className: 'mono', 'data-job': job.id, text: job.id });
        body.appendChild(el('tr', { 'data-status': job.status, 'data-id': job.id }, [
          el('td', {}, [link]),
          el('td', { className: 'mono', text: job.spec.source }),
          el('td', {}, [statusCell(job)]),
          el('td', {}, [progressOf(job)]),
          el('td', { className: 'error-code mono', title: job.error ? job.error.message : undefined, text: job.error ? job.error.code : '' }),
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
/** Follows the job's events: onJob(record, final) for each record, updated by the progress deltas. */
function streamEvents(id, onJob) {
  // fetch instead of EventSource: it can send the bearer token
  var ctrl = new AbortController(), last;
  var parser = createParser({
    onEvent: function (e) {
      var data;
      try { data = JSON.parse(e.data); } catch (x) { return; }
      if (e.event === 'job') last = data;
      else if (e.event === 'progress' && last) {
        var p = Object.assign({}, data); delete p.updatedAt;
        last = Object.assign({}, last, { progress: p, updatedAt: data.updatedAt });
      } else return;
      onJob(last, isFinal(last.status));
    },
  });
  fetch('/v1/jobs/' + encodeURIComponent(id) + '/events', { headers: authHeaders(), signal: ctrl.signal }).then(function (r) {
    if (!r.ok || !r.body) return;
    var reader = r.body.getReader(), dec = new TextDecoder();
    function pump() {
      return reader.read().then(function (chunk) {
        if (chunk.done) return;
        parser.feed(dec.decode(chunk.value, { stream: true }));
        return pump();
      });
    }
    return pump();
  }).catch(function () { /* stream closed */ });
  return ctrl;
}

function jobPage(id) {
  clear(app);
  var head = el('div');
  var bodyArea = el('div');
  app.appendChild(el('p', {}, [el('a', { href: '/viewer', text: '← all jobs' })]));
  var early = el('div', { id: 'early' });
  app.appendChild(head);
  app.appendChild(early);
  app.appendChild(bodyArea);
  var shown = false;
  function renderHead(job) {
    clear(head);
    head.appendChild(el('h1', {}, ['Job ', el('span', { className: 'mono', text: job.id })]));
    head.appendChild(el('p', { id: 'job-status' }, [statusCell(job), ' ', progressOf(job)]));
    head.appendChild(el('p', { className: 'mono', text: 'source: ' + job.spec.source }));
    if (job.error) {
      head.appendChild(el('p', { className: 'error', id: 'job-error' }, [el('strong', { className: 'mono', text: job.error.code }), ': ' + job.error.message]));
    }
    ((job.outputs && job.outputs.notes) || []).forEach(function (n) { head.appendChild(el('div', { className: 'note', text: n })); });
  }
  function cards(job, media) {
    return el('div', { className: 'grid' }, [figuresCard(job, media), costCard(job), qualityCard(job), filesCard(job, media)]);
  }
  function renderDone(job) {
    if (shown) return; shown = true;
    api('/v1/jobs/' + encodeURIComponent(id) + '/media').then(function (media) {
      if (job.status === 'succeeded') {
        bodyArea.appendChild(media.hls ? player(job, media) : el('p', { text: 'No HLS for this job (packaging preset "none").' }));
      }
      bodyArea.appendChild(cards(job, media));
    }).catch(function (e) {
      bodyArea.appendChild(el('p', { className: 'error', text: e.message }));
      bodyArea.appendChild(cards(job, undefined));
    });
  }
  api('/v1/jobs/' + encodeURIComponent(id)).then(function (job) {
    renderHead(job);
    streamEvents(id, function (j, final) {
      renderHead(j);
      clear(early);
      // before the end: what the job is estimated to cost
      if (final) renderDone(j); else early.appendChild(el('div', { className: 'grid' }, [costCard(j)]));
    });
  }).catch(function (e) { if (e.message !== 'unauthorized') head.appendChild(el('p', { className: 'error', text: e.message })); });
}

function route() {
  if (listTimer) clearInterval(listTimer);
  var m = /^\/viewer\/jobs\/([^/]+)\/?$/.exec(location.pathname);
  if (m) jobPage(decodeURIComponent(m[1])); else jobsPage();
}
route();
`;
