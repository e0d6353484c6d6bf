/**
 * Issue 13 item 7: a source with two audio tracks (440 Hz English, 880 Hz French) and a text subtitle track.
 * The SR file keeps both audio tracks (language, title) and the subtitles; the host engine's HLS has one audio
 * rendition per track in an EXT-X-MEDIA group, each decoding to its own track. Checked with ffprobe/ffmpeg on the
 * real outputs.
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { encodeHostJob, type HostJob } from '@vodsr/core';
import { BASE_HOST_HLS } from '@vodsr/core/host-job-cases';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { lanczosJob, runHost, tempDir } from './helpers.js';

const run = promisify(execFile);

// Real encodes on a shared 2-core machine: generous limits (nothing here asserts on time).
vi.setConfig({ testTimeout: 240_000, hookTimeout: 120_000 });

let tmp: { dir: string; remove: () => void };
let source = '';
let n = 0;

/** 2 s of testsrc2 with two AAC tracks (eng 440 Hz "English", fra 880 Hz) and one SRT-born mov_text track (deu). */
async function makeTwoAudioSource(path: string): Promise<void> {
  const srt = `${path}.srt`;
  writeFileSync(srt, '1\n00:00:00,000 --> 00:00:01,500\nHallo\n');
  await run('ffmpeg', [
    ...['-hide_banner', '-loglevel', 'error', '-y'],
    ...['-f', 'lavfi', '-i', 'testsrc2=s=160x90:r=25:d=2'],
    ...['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000:duration=2'],
    ...['-f', 'lavfi', '-i', 'sine=frequency=880:sample_rate=48000:duration=2'],
    ...['-i', srt],
    ...['-map', '0:v', '-map', '1:a', '-map', '2:a', '-map', '3:s'],
    ...['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-c:s', 'mov_text'],
    ...['-metadata:s:a:0', 'language=eng', '-metadata:s:a:0', 'handler_name=English'],
    ...['-metadata:s:a:1', 'language=fra', '-metadata:s:s:0', 'language=deu'],
    path,
  ]);
}

interface Stream {
  index: number;
  codec_type: string;
  codec_name: string;
  tags?: Record<string, string>;
}

async function streams(file: string): Promise<Stream[]> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-print_format', 'json', '-show_streams', file]);
  return (JSON.parse(stdout) as { streams: Stream[] }).streams;
}

/**
 * The dominant frequency of an audio stream (FFmpeg input `file`, stream specifier `spec`), from the zero
 * crossings of its decoded mono 48 kHz samples: a sine of f Hz crosses zero 2f times a second.
 */
async function frequency(file: string, spec = 'a:0'): Promise<number> {
  const { stdout } = await run(
    'ffmpeg',
    ['-v', 'error', '-i', file, '-map', `0:${spec}`, '-ac', '1', '-ar', '48000', '-f', 's16le', '-'],
    { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 },
  );
  const buf = stdout as unknown as Buffer;
  const samples = buf.length / 2;
  // Schmitt trigger (±1000 of the sine's ±4096): codec noise near zero adds no crossings.
  let crossings = 0;
  let state = 0;
  let first: number | undefined;
  let last = 0;
  for (let i = 0; i < samples; i++) {
    const v = buf.readInt16LE(i * 2);
    const next = v > 1000 ? 1 : v < -1000 ? -1 : state;
    if (state !== 0 && next !== state) {
      crossings++;
      first ??= i;
      last = i;
    }
    state = next;
  }
  // Between the first and the last crossing: encoder priming and padding are silence, not signal.
  return first === undefined || last === first ? 0 : (crossings - 1) / 2 / ((last - first) / 48000);
}

beforeAll(async () => {
  tmp = tempDir('vodsr-audio-');
  source = join(tmp.dir, 'two audio.mp4');
  await makeTwoAudioSource(source);
});

afterAll(() => tmp?.remove());

function env(): Record<string, string> {
  n += 1;
  return { VODSR_WORK_ROOT: join(tmp.dir, `work-${n}`), VODSR_LOCK_DIR: join(tmp.dir, `locks-${n}`) };
}

describe('vodsr-host with a two-audio-track source', () => {
  it('the source fixture really has two audio tracks of different pitch and a subtitle track', async () => {
    const s = await streams(source);
    expect(s.map((x) => x.codec_type)).toEqual(['video', 'audio', 'audio', 'subtitle']);
    expect(Math.abs((await frequency(source, 'a:0')) - 440)).toBeLessThan(10);
    expect(Math.abs((await frequency(source, 'a:1')) - 880)).toBeLessThan(10);
  });

  it('keeps every audio track (language, title) and the subtitles in the SR file, and reports them', async () => {
    const out = join(tmp.dir, 'sr-only', 'two_sr_2x.mp4');
    const r = await runHost(['--job-b64', encodeHostJob(lanczosJob(source, out, { cpuOnly: true }))], {
      env: env(),
    });
    expect(r.code, r.stderr).toBe(0);
    const s = await streams(out);
    expect(s.map((x) => x.codec_type)).toEqual(['video', 'audio', 'audio', 'subtitle']);
    const [, a0, a1, sub] = s;
    expect(a0!.tags).toMatchObject({ language: 'eng', handler_name: 'English' });
    expect(a1!.tags).toMatchObject({ language: 'fra' });
    expect(sub).toMatchObject({ codec_name: 'mov_text', tags: { language: 'deu' } });
    // Copied, not swapped or duplicated: the first track is still 440 Hz, the second 880 Hz.
    expect(Math.abs((await frequency(out, 'a:0')) - 440)).toBeLessThan(10);
    expect(Math.abs((await frequency(out, 'a:1')) - 880)).toBeLessThan(10);
    // The probe carries the track list to the packaging planner (the result's `source` and `sr`).
    expect(r.result).toMatchObject({
      sr: {
        audioTracks: [
          { index: 1, codec: 'aac', language: 'eng', title: 'English' },
          { index: 2, codec: 'aac', language: 'fra' },
        ],
        subtitleTracks: [{ index: 3, codec: 'mov_text', language: 'deu' }],
      },
      source: { audioTracks: [{ language: 'eng' }, { language: 'fra' }] },
    });
  });

  it('drops the subtitles a .ts SR file cannot carry, with a warning, and keeps both audio tracks', async () => {
    const out = join(tmp.dir, 'ts', 'two_sr_2x.ts');
    const r = await runHost(['--job-b64', encodeHostJob(lanczosJob(source, out, { cpuOnly: true }))], {
      env: env(),
    });
    expect(r.code, r.stderr).toBe(0);
    expect((await streams(out)).map((x) => x.codec_type)).toEqual(['video', 'audio', 'audio']);
    expect(r.events).toContainEqual(
      expect.objectContaining({
        event: 'log',
        level: 'warn',
        message: expect.stringMatching(/subtitle track 3 \(mov_text\).*dropped/),
      }),
    );
  });

  it('an MKV source (AAC + FLAC, SRT): MP4 SR gets AAC + AAC and mov_text, MKV SR copies FLAC and SRT', async () => {
    const mkv = join(tmp.dir, 'flac.mkv');
    const srt = join(tmp.dir, 'flac.srt');
    writeFileSync(srt, '1\n00:00:00,000 --> 00:00:01,500\nHello\n');
    await run('ffmpeg', [
      ...['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=s=160x90:r=25:d=2'],
      ...['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000:duration=2'],
      ...['-f', 'lavfi', '-i', 'sine=frequency=880:sample_rate=48000:duration=2', '-i', srt],
      ...[
        '-map',
        '0:v',
        '-map',
        '1:a',
        '-map',
        '2:a',
        '-map',
        '3:s',
        '-c:v',
        'libx264',
        '-preset',
        'ultrafast',
      ],
      ...[
        '-c:a:0',
        'aac',
        '-c:a:1',
        'flac',
        '-c:s',
        'srt',
        '-metadata:s:a:1',
        'title=Director commentary',
        mkv,
      ],
    ]);
    const toMp4 = join(tmp.dir, 'mkv-mp4', 'flac_sr_2x.mp4');
    const toMkv = join(tmp.dir, 'mkv-mkv', 'flac_sr_2x.mkv');
    for (const out of [toMp4, toMkv]) {
      const r = await runHost(['--job-b64', encodeHostJob(lanczosJob(mkv, out, { cpuOnly: true }))], {
        env: env(),
      });
      expect(r.code, r.stderr).toBe(0);
    }
    const mp4 = await streams(toMp4);
    expect(mp4.map((x) => `${x.codec_type}:${x.codec_name}`)).toEqual([
      'video:h264',
      'audio:aac',
      'audio:aac',
      'subtitle:mov_text',
    ]);
    expect(mp4[2]!.tags?.handler_name).toBe('Director commentary');
    expect(Math.abs((await frequency(toMp4, 'a:1')) - 880)).toBeLessThan(10);
    const mk = await streams(toMkv);
    expect(mk.map((x) => `${x.codec_type}:${x.codec_name}`)).toEqual([
      'video:h264',
      'audio:aac',
      'audio:flac',
      'subtitle:subrip',
    ]);
    expect(mk[2]!.tags?.title).toBe('Director commentary');
  });

  it('packages each audio track as an HLS audio rendition the rungs reference (host engine)', async () => {
    const out = join(tmp.dir, 'hls', 'two_sr_2x.mp4');
    const dest = `${join(tmp.dir, 'hls', 'hls')}/`;
    const job: HostJob = {
      ...lanczosJob(source, out, { cpuOnly: true }),
      hls: {
        ...BASE_HOST_HLS,
        destination: dest,
        segmentSeconds: 1,
        gopSeconds: 1,
        steps: [...BASE_HOST_HLS.steps],
      },
    } as HostJob;
    const r = await runHost(['--job-b64', encodeHostJob(job)], { env: env() });
    expect(r.code, r.stderr).toBe(0);
    // The SR file of the same pass keeps both tracks too.
    expect((await streams(out)).filter((x) => x.codec_type === 'audio')).toHaveLength(2);

    const master = readFileSync(join(dest, 'index.m3u8'), 'utf8').split('\n');
    const media = master.filter((l) => l.startsWith('#EXT-X-MEDIA:'));
    expect(media).toEqual([
      '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",NAME="English",LANGUAGE="eng",DEFAULT=YES,AUTOSELECT=YES,URI="index_audio_1.m3u8"',
      '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",NAME="fra",LANGUAGE="fra",DEFAULT=NO,AUTOSELECT=YES,URI="index_audio_2.m3u8"',
    ]);
    const inf = master.filter((l) => l.startsWith('#EXT-X-STREAM-INF:'));
    expect(inf).toHaveLength(1);
    expect(inf[0]).toMatch(/AUDIO="audio"/);
    expect(master).toContain('index_180p.m3u8');
    // The video rung carries no audio of its own; each audio playlist decodes to its own track.
    expect((await streams(join(dest, 'index_180p.m3u8'))).map((x) => x.codec_type)).toEqual(['video']);
    expect(Math.abs((await frequency(join(dest, 'index_audio_1.m3u8'))) - 440)).toBeLessThan(10);
    expect(Math.abs((await frequency(join(dest, 'index_audio_2.m3u8'))) - 880)).toBeLessThan(10);
    const files = readdirSync(dest).sort();
    expect(files.filter((f) => f.startsWith('index_audio_1_')).length).toBeGreaterThanOrEqual(2);
    expect(files.every((f) => /^index(_180p|_audio_[12])?(_\d{5})?\.(m3u8|ts)$/.test(f))).toBe(true);
  });
});
