/**
 * The viewer's browser module `figures.js`: a job's figures (media, times), what it cost (the estimate stored at
 * submit and `cost.actual` after the run, each with its assumptions and the price table's date), what the SR
 * bought (`outputs.quality`: SR vs bicubic PSNR/SSIM, with how it was measured), and its files as links.
 */
export const VIEWER_FIGURES_JS = String.raw`
import { bitrate, bytes, el, figureTable, isFinal, isNum, join, name, secs, size, usd } from './dom.js';

function mediaLine(m, sizeBytes) {
  if (!m) return undefined;
  return join([
    join([size(m), isNum(m.fps) ? '@ ' + Math.round(m.fps * 100) / 100 + ' fps' : undefined], ' '),
    secs(m.durationSeconds),
    m.videoCodec ? m.videoCodec + (m.hasAudio === true ? ' + ' + (m.audioCodec || 'audio') : m.hasAudio === false ? ', no audio' : '') : undefined,
    join([bytes(sizeBytes !== undefined ? sizeBytes : m.sizeBytes), bitrate(m.bitRate)], ' / '),
  ]);
}

export function figuresCard(job, media) {
  var o = job.outputs || {}, t = o.timings || {};
  var queued = job.startedAt ? (Date.parse(job.startedAt) - Date.parse(job.createdAt)) / 1000 : undefined;
  var ran = job.startedAt && job.finishedAt ? (Date.parse(job.finishedAt) - Date.parse(job.startedAt)) / 1000 : undefined;
  var total = isNum(t.totalSeconds) ? t.totalSeconds : ran;
  var dur = o.source && o.source.durationSeconds;
  var rows = [
    ['Model', o.modelUsed || job.spec.model, 'model'],
    ['Encoder', o.encoderUsed, 'encoder'],
    ['Source', mediaLine(o.source, media && media.source ? media.source.sizeBytes : undefined), 'source'],
    ['SR file', mediaLine(o.sr, media && media.sr ? media.sr.sizeBytes : undefined), 'sr'],
    ['HLS size', bytes(media && media.hls ? media.hls.sizeBytes : undefined), 'hls'],
    ['Queued', secs(queued), 'queued'],
    ['Upscale (host)', secs(t.upscaleSeconds), 'upscale'],
    ['Packaging', secs(t.packagingSeconds), 'packaging'],
    [job.status === 'succeeded' ? 'Total' : 'Ran for', secs(total), 'total'],
    ['Speed', isNum(total) && total > 0 && isNum(dur) && job.status === 'succeeded' ? (dur / total).toFixed(2) + '× realtime' : undefined, 'speed'],
  ];
  (o.renditions || []).forEach(function (r) { rows.push(['Rendition ' + r.name, join([size(r), bitrate(r.bandwidth)]), 'rendition']); });
  return el('div', { className: 'card' }, [el('h2', { text: 'Figures' }), figureTable('figures', rows)]);
}

function costBlock(title, id, c) {
  var u = c.usd || {};
  var rows = [
    ['Total', usd(u.total), 'total'],
    ['GPU', join([usd(u.gpu), isNum(c.gpuSeconds) ? c.gpuSeconds + ' GPU s' : undefined], ' for '), 'gpu'],
    ['Packaging', usd(u.packaging), 'packaging'],
    ['Step Functions', usd(u.transitions), 'transitions'],
    ['Prices of', c.pricesDate, 'prices'],
  ];
  var list = el('ul', { className: 'assumptions' });
  (c.assumptions || []).forEach(function (a) { list.appendChild(el('li', { text: a })); });
  return el('div', { id: id }, [el('h3', { text: title }), figureTable(id + '-table', rows), el('p', { className: 'sub', text: 'Assumes:' }), list]);
}

export function costCard(job) {
  var c = job.cost || {};
  var parts = [el('h2', { text: 'Cost' })];
  if (c.estimate) parts.push(costBlock('Estimate (before the run)', 'cost-estimate', c.estimate));
  else parts.push(el('p', { id: 'cost-estimate', className: 'sub', text: 'No estimate stored for this job.' }));
  if (c.actual) {
    parts.push(costBlock('Actual (measured)', 'cost-actual', c.actual));
    var e = c.estimate && c.estimate.usd && c.estimate.usd.total, a = c.actual.usd && c.actual.usd.total;
    if (isNum(e) && e > 0 && isNum(a)) {
      var d = Math.round(((a - e) / e) * 1000) / 10;
      parts.push(el('p', { id: 'cost-vs', text: 'Actual vs estimate: ' + (d >= 0 ? '+' : '') + d + ' %' }));
    }
  } else {
    parts.push(el('p', { id: 'cost-actual', className: 'sub', text: job.status === 'succeeded' ? 'No actual cost measured.' : 'Actual cost: known once the job succeeds.' }));
  }
  return el('div', { className: 'card', id: 'cost' }, parts);
}

function psnrSsim(x) { return x && isNum(x.psnr) && isNum(x.ssim) ? x.psnr.toFixed(2) + ' dB / SSIM ' + x.ssim.toFixed(3) : undefined; }

export function qualityCard(job) {
  var q = job.outputs && job.outputs.quality;
  var parts = [el('h2', { text: 'Quality (SR vs bicubic)' })];
  if (!q) {
    parts.push(el('p', { id: 'quality', className: 'sub', text: job.status === 'succeeded' || !job.spec.quality
      ? 'Not measured: submit the job with quality on (--quality, or "quality": true) to compare the SR with bicubic.'
      : isFinal(job.status) ? 'Not measured: the job did not succeed.' : 'Measured at the end of the job (quality is on).' }));
    return el('div', { className: 'card' }, parts);
  }
  var model = (job.outputs && job.outputs.modelUsed) || job.spec.model;
  parts.push(figureTable('quality', [
    ['SR (' + model + ')', psnrSsim(q.sr), 'sr'],
    ['Bicubic', psnrSsim(q.bicubic), 'bicubic'],
    ['Gain', isNum(q.gainDb) ? (q.gainDb >= 0 ? '+' : '') + q.gainDb.toFixed(2) + ' dB PSNR' : undefined, 'gain'],
    ['Measured in', secs(q.seconds), 'seconds'],
  ]));
  parts.push(el('p', { className: 'sub', id: 'quality-assumes', text: 'Assumes: ' + q.windows + ' sampled window(s) of ' + q.windowSeconds +
    ' s; each downscaled ×' + q.scale + ', then upscaled back with the job\'s SR chain and with plain bicubic, both compared with the source ' +
    '(PSNR, SSIM). An interpolating open model gains about 0 dB; the Bluewhale filters only run on their AMI.' }));
  return el('div', { className: 'card' }, parts);
}

function fileRow(label, url, location, id) {
  if (!url) return undefined;
  return el('p', {}, [label + ': ', el('a', { href: url, id: id, title: location, text: name(location || url) })]);
}

export function filesCard(job, media) {
  var o = job.outputs || {};
  var rows = [
    fileRow('Source', media && media.source && media.source.url, job.spec.source, 'file-source'),
    fileRow('SR file', media && media.sr && media.sr.url, o.srFile, 'file-sr'),
    fileRow('HLS master', media && media.hls && media.hls.url, o.hlsMaster, 'file-hls'),
  ].filter(Boolean);
  if (!rows.length) rows.push(el('p', { className: 'sub', text: 'No files to open.' }));
  return el('div', { className: 'card', id: 'files' }, [el('h2', { text: 'Files' })].concat(rows));
}
`;
