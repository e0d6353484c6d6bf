/**
 * Issue 13 item 7: several audio tracks. The FFmpeg twin and MediaConvert settings package each track as an HLS
 * audio rendition (EXT-X-MEDIA group); one track stays muxed into every rung as before. vodsr-host applies the same
 * rules in jq (HLS_AUDIO_JQ, SR_STREAMS_JQ), checked here against audioRenditions / srStreamPlan over many cases.
 */
import { execFile, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { CreateJobCommand, MediaConvertClient } from '@aws-sdk/client-mediaconvert';
import type { MediaInfo } from '@vodsr/core';
import {
  audioRenditions,
  buildMediaConvertSettings,
  createPlanPackagingHandler,
  mediaConvertPlaylists,
  packageLocally,
  srStreamPlan,
} from '@vodsr/mediaconvert-presets';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseMaster, scratchDir } from './helpers.js';

vi.setConfig({ testTimeout: 240_000, hookTimeout: 120_000 });
const run = promisify(execFile);

const HOST = readFileSync(
  join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'host-scripts', 'bin', 'vodsr-host'),
  'utf8',
);
const jqProgram = (name: string): string =>
  new RegExp(`read -r -d '' ${name} <<'JQ' \\|\\| true\\n([\\s\\S]*?)\\nJQ\\n`).exec(HOST)?.[1] as string;

const TWO: MediaInfo = {
  width: 320,
  height: 180,
  durationSeconds: 2,
  hasAudio: true,
  audioCodec: 'aac',
  audioTracks: [
    { index: 1, codec: 'aac', channels: 2, language: 'eng', title: 'English' },
    { index: 2, codec: 'aac', channels: 2, language: 'fra' },
  ],
};

const TRACK_CASES: MediaInfo['audioTracks'][] = [
  undefined,
  [],
  [{ index: 1, codec: 'aac' }],
  TWO.audioTracks,
  [{ index: 1 }, { index: 2 }, { index: 3 }],
  [
    { index: 1, language: 'und', title: '  ' },
    { index: 2, language: 'pt-BR', title: 'Dub "quoted"\nline\ttab' },
    { index: 3, language: 'eng\nx', title: 'Dub quoted line tab' },
    { index: 4, language: 'de', title: 'Dub quoted line tab' },
  ],
  [
    { index: 1, title: `${'é'.repeat(60)}  🎬🎬🎬🎬🎬🎬` },
    { index: 2, language: 'zxx' },
    { index: 3, language: 'fra', title: 'fra' },
    { index: 4, language: 'fra' },
  ],
];

describe("the host's jq twins of audioRenditions and srStreamPlan", () => {
  it('HLS_AUDIO_JQ names, languages and defaults the renditions as audioRenditions does', () => {
    const prog = jqProgram('HLS_AUDIO_JQ');
    for (const tracks of TRACK_CASES) {
      const media = {
        ...TWO,
        ...(tracks === undefined ? { audioTracks: undefined } : { audioTracks: tracks }),
      };
      const host = JSON.parse(
        execFileSync('jq', ['-c', prog], { input: JSON.stringify(media), encoding: 'utf8' }),
      );
      const want = audioRenditions(media).map((a) => ({
        track: a.track,
        id: a.id,
        name: a.name,
        language: a.language ?? null,
        default: a.default,
      }));
      expect(host, JSON.stringify(tracks)).toEqual(want);
    }
    // The names are unique, quote-free, and the odd language tags are left out.
    const names = audioRenditions({ ...TWO, audioTracks: TRACK_CASES[5] }).map((a) => [a.name, a.language]);
    expect(names).toEqual([
      ['Audio 1', undefined],
      ['Dub quoted line tab', 'pt-BR'],
      ['Dub quoted line tab (2)', undefined],
      ['Dub quoted line tab (3)', 'de'],
    ]);
  });

  it('SR_STREAMS_JQ maps the SR file streams as srStreamPlan does, per container and audio mode', () => {
    const prog = jqProgram('SR_STREAMS_JQ');
    const media: MediaInfo = {
      ...TWO,
      audioTracks: [
        { index: 1, codec: 'aac', language: 'eng', title: 'Main mix' },
        { index: 2, codec: 'pcm_s16le' },
        { index: 3, codec: 'flac', title: 'Commentary "director"' },
      ],
      subtitleTracks: [
        { index: 4, codec: 'subrip', language: 'eng', title: 'SDH' },
        { index: 5, codec: 'hdmv_pgs_subtitle', language: 'fra' },
        { index: 6, codec: 'ass' },
      ],
    };
    const cases: [MediaInfo, string, string[]][] = [];
    for (const m of [
      media,
      TWO,
      { ...TWO, audioTracks: undefined },
      { ...TWO, hasAudio: false, audioTracks: undefined },
    ])
      for (const path of ['a.mp4', 'a.m4v', 'a.mov', 'a.mkv', 'a.ts'])
        for (const enc of [
          ['-c:v', 'libx264', '-c:a', 'copy'],
          ['-c:v', 'libx264', '-c:a', 'aac', '-b:a', '192000'],
        ])
          cases.push([m, path, enc]);
    for (const [m, path, enc] of cases) {
      const ext = path.split('.').pop() as string;
      const copy = enc.includes('copy');
      const lines = execFileSync('jq', ['-r', '--arg', 'ext', ext, '--argjson', 'copy', String(copy), prog], {
        input: JSON.stringify(m),
        encoding: 'utf8',
      })
        .split('\n')
        .filter(Boolean)
        .map((l) => [l[0], Buffer.from(l.slice(2), 'base64').toString('utf8')] as const);
      const plan = srStreamPlan(m, path, enc);
      const ctx = `${path} ${enc.join(' ')} ${JSON.stringify(m.audioTracks)}`;
      expect(
        lines.filter(([k]) => k === 'm').map(([, v]) => v),
        ctx,
      ).toEqual(plan.maps);
      expect(
        lines.filter(([k]) => k === 'c').map(([, v]) => v),
        ctx,
      ).toEqual(plan.codecs);
      expect(lines.filter(([k]) => k === 'w').length, ctx).toBe(plan.droppedSubtitles.length);
    }
    // What the rules are, in one case: MP4 with copied audio.
    expect(srStreamPlan(media, 'x.mp4', ['-c:a', 'copy'])).toEqual({
      maps: [
        ...['-map', '0:a?', '-metadata:s:a:0', 'handler_name=Main mix'],
        ...['-metadata:s:a:2', 'handler_name=Commentary "director"'],
        ...['-map', '0:4', '-metadata:s:s:0', 'handler_name=SDH', '-map', '0:6'],
      ],
      codecs: [
        ...['-c:a:1', 'aac', '-b:a:1', '192000', '-c:a:2', 'aac', '-b:a:2', '192000'],
        ...['-c:s:0', 'mov_text', '-c:s:1', 'mov_text'],
      ],
      droppedSubtitles: [{ index: 5, codec: 'hdmv_pgs_subtitle', language: 'fra' }],
    });
  });
});

describe('MediaConvert settings of a two-audio-track source', () => {
  const loc = { input: 's3://vout/sr/two_sr_2x.mp4', destination: 's3://vout/hls/two_sr_2x.mp4/' };

  for (const preset of ['hls-ladder', 'hls-single'] as const) {
    it(`${preset}: one audio selector per track, audio-only outputs in the group, video outputs referencing it`, () => {
      const s = buildMediaConvertSettings(preset, { media: TWO, ...loc });
      expect(s.Inputs?.[0]?.AudioSelectors).toEqual({
        'Audio Selector 1': { DefaultSelection: 'DEFAULT', SelectorType: 'TRACK', Tracks: [1] },
        'Audio Selector 2': { SelectorType: 'TRACK', Tracks: [2] },
      });
      const outputs = s.OutputGroups?.[0]?.Outputs ?? [];
      const video = outputs.filter((o) => o.VideoDescription);
      const audio = outputs.filter((o) => !o.VideoDescription);
      expect(video.length).toBeGreaterThanOrEqual(1);
      for (const v of video) {
        expect(v.AudioDescriptions).toBeUndefined();
        expect(v.OutputSettings).toEqual({ HlsSettings: { AudioRenditionSets: 'audio' } });
      }
      expect(
        audio.map((o) => ({
          source: o.AudioDescriptions?.[0]?.AudioSourceName,
          name: o.AudioDescriptions?.[0]?.StreamName,
          lang: o.AudioDescriptions?.[0]?.CustomLanguageCode,
          control: o.AudioDescriptions?.[0]?.LanguageCodeControl,
          hls: o.OutputSettings?.HlsSettings,
        })),
      ).toEqual([
        {
          source: 'Audio Selector 1',
          name: 'English',
          lang: 'eng',
          control: 'USE_CONFIGURED',
          hls: {
            AudioGroupId: 'audio',
            AudioTrackType: 'ALTERNATE_AUDIO_AUTO_SELECT_DEFAULT',
            AudioOnlyContainer: 'M2TS',
          },
        },
        {
          source: 'Audio Selector 2',
          name: 'fra',
          lang: 'fra',
          control: 'USE_CONFIGURED',
          hls: {
            AudioGroupId: 'audio',
            AudioTrackType: 'ALTERNATE_AUDIO_AUTO_SELECT',
            AudioOnlyContainer: 'M2TS',
          },
        },
      ]);
      // The audio playlists get the names vodsr-host's engine gives them.
      const audioPl = mediaConvertPlaylists(preset, { media: TWO, ...loc }).audio?.map((a) => a.playlist);
      const base = preset === 'hls-ladder' ? 'index' : 'two_sr_2x';
      expect(audioPl).toEqual([1, 2].map((k) => `${loc.destination}${base}_audio_${k}.m3u8`));
    });
  }

  it('reaches the wire intact (AWS SDK serializer) and comes out of the workflow planner from host.sr', async () => {
    const role = 'arn:aws:iam::123456789012:role/vodsr-mediaconvert';
    // The PlanPackaging state's Lambda, given the host's probed SR file as `media`.
    const req = await createPlanPackagingHandler({ role })({
      jobId: 'j-2a',
      preset: 'hls-ladder',
      media: TWO,
      ...loc,
    });
    expect('Settings' in req && req.Settings?.Inputs?.[0]?.AudioSelectors).toHaveProperty([
      'Audio Selector 2',
    ]);
    const client = new MediaConvertClient({
      region: 'us-east-1',
      credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' },
    });
    let body = '';
    client.middlewareStack.add(
      () => async (args) => {
        const raw = (args.request as { body?: unknown }).body;
        body = raw instanceof Uint8Array ? new TextDecoder().decode(raw) : String(raw);
        return { output: { $metadata: {} }, response: {} };
      },
      { step: 'build', name: 'captureBody' },
    );
    await client.send(new CreateJobCommand(req as ConstructorParameters<typeof CreateJobCommand>[0]));
    // Every field we set is in the wire format (the serializer drops unknown ones).
    const camel = (v: unknown, isMap = false): unknown => {
      if (Array.isArray(v)) return v.map((x) => camel(x));
      if (typeof v !== 'object' || v === null) return v;
      return Object.fromEntries(
        Object.entries(v).map(([k, x]) => [
          isMap ? k : k[0]!.toLowerCase() + k.slice(1),
          camel(x, k === 'AudioSelectors' || k === 'UserMetadata'),
        ]),
      );
    };
    // (The SDK adds a random idempotency token of its own when the planner sets none.)
    const { clientRequestToken: _sdkToken, ...wire } = JSON.parse(body) as Record<string, unknown>;
    expect(wire).toEqual(camel(req));
  });

  it('leaves a one-track source exactly as before: one default selector, audio in every rung', () => {
    const one = { ...TWO, audioTracks: [TWO.audioTracks![0]!] };
    for (const preset of ['hls-ladder', 'hls-single'] as const) {
      expect(buildMediaConvertSettings(preset, { media: one, ...loc })).toEqual(
        buildMediaConvertSettings(preset, { media: { ...TWO, audioTracks: undefined }, ...loc }),
      );
      expect(mediaConvertPlaylists(preset, { media: one, ...loc }).audio).toBeUndefined();
    }
  });
});

describe('packageLocally with two audio tracks (the FFmpeg twin)', () => {
  let dir = '';
  let cleanup: () => Promise<void> = async () => {};
  let src = '';

  beforeAll(async () => {
    ({ dir, cleanup } = await scratchDir());
    src = join(dir, 'two.mp4');
    await run('ffmpeg', [
      ...['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=s=320x180:r=25:d=2'],
      ...['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000:duration=2'],
      ...['-f', 'lavfi', '-i', 'sine=frequency=880:sample_rate=48000:duration=2'],
      ...[
        '-map',
        '0:v',
        '-map',
        '1:a',
        '-map',
        '2:a',
        '-c:v',
        'libx264',
        '-preset',
        'ultrafast',
        '-c:a',
        'aac',
      ],
      ...['-metadata:s:a:0', 'language=eng', '-metadata:s:a:1', 'language=fra', src],
    ]);
  });
  afterAll(() => cleanup());

  /** Dominant frequency of a playlist's first audio stream, from zero crossings of mono 48 kHz samples. */
  async function frequency(file: string): Promise<number> {
    const { stdout } = await run(
      'ffmpeg',
      ['-v', 'error', '-i', file, '-map', '0:a:0', '-ac', '1', '-ar', '48000', '-f', 's16le', '-'],
      { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 },
    );
    const buf = stdout as unknown as Buffer;
    // Schmitt trigger (±1000 of the sine's ±4096): codec noise near zero adds no crossings.
    let crossings = 0;
    let state = 0;
    let first: number | undefined;
    let last = 0;
    for (let i = 0; i < buf.length / 2; i++) {
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

  it('writes an audio group: two renditions with LANGUAGE, DEFAULT on the first, each its own track', async () => {
    const outDir = join(dir, 'hls');
    const plan = await packageLocally('hls-ladder', { media: TWO, input: src, outDir, segmentSeconds: 2 });
    expect(plan.audio).toEqual([
      { name: 'English', language: 'eng', default: true, playlist: 'audio_1.m3u8' },
      { name: 'fra', language: 'fra', default: false, playlist: 'audio_2.m3u8' },
    ]);
    const text = await readFile(join(outDir, 'index.m3u8'), 'utf8');
    expect(text.split('\n').filter((l) => l.startsWith('#EXT-X-MEDIA:'))).toEqual([
      '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",NAME="English",LANGUAGE="eng",DEFAULT=YES,AUTOSELECT=YES,URI="audio_1.m3u8"',
      '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",NAME="fra",LANGUAGE="fra",DEFAULT=NO,AUTOSELECT=YES,URI="audio_2.m3u8"',
    ]);
    const variants = parseMaster(text);
    expect(variants.map((v) => v.uri)).toEqual(plan.renditions.map((r) => r.playlist));
    for (const [i, v] of variants.entries()) {
      expect(v.attrs.AUDIO).toBe('audio');
      expect(Number(v.attrs.BANDWIDTH)).toBe(plan.renditions[i]!.bandwidth);
    }
    expect(Math.abs((await frequency(join(outDir, 'audio_1.m3u8'))) - 440)).toBeLessThan(10);
    expect(Math.abs((await frequency(join(outDir, 'audio_2.m3u8'))) - 880)).toBeLessThan(10);
  });

  it('in fused mode also writes an SR file with both tracks', async () => {
    const sr = join(dir, 'two_sr.mp4');
    await packageLocally('hls-single', {
      media: { ...TWO, width: 640, height: 360 },
      input: src,
      outDir: join(dir, 'fused'),
      srFilter: 'scale=w=iw*2:h=ih*2:flags=lanczos',
      srOutput: { path: sr, encoderArgs: ['-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'copy'] },
    });
    const { stdout } = await run('ffprobe', [
      '-v',
      'error',
      '-show_entries',
      'stream=codec_type:stream_tags=language',
      '-of',
      'csv=p=0',
      sr,
    ]);
    expect(stdout.trim().split('\n')).toEqual(['video,und', 'audio,eng', 'audio,fra']);
  });
});
