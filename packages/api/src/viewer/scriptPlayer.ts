/**
 * The viewer's browser module `player.js`: the HLS player (hls.js from this server) with a before/after split of
 * the source and the SR output at the same timestamp. The labels each keep to their half of the picture (they wrap
 * on a narrow screen instead of overlapping).
 */
export const VIEWER_PLAYER_JS = `
import { bitrate, el, join, size } from './dom.js';

export function player(job, media) {
  var o = job.outputs || {};
  var before = el('video', { id: 'before', muted: '', playsinline: '', preload: 'auto' });
  var after = el('video', { id: 'after', muted: '', playsinline: '', preload: 'auto' });
  before.muted = true; after.muted = true;
  var divider = el('div', { className: 'divider' });
  var box = el('div', { className: 'compare', id: 'compare' }, [before, after, divider,
    el('span', { className: 'label left', id: 'label-before', text: join(['Before: source', size(o.source)], ' ') }),
    el('span', { className: 'label right', id: 'label-after', text: join(['After: SR', size(o.sr), '(' + (o.modelUsed || job.spec.model) + ')'], ' ') })]);
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
      data.levels.forEach(function (l, i) { levels.appendChild(el('option', { value: String(i), text: join([l.height + 'p', bitrate(l.bitrate)], ' · ') })); });
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
`;
