/**
 * The host contract's shared test table (`@vodsr/core/host-job-cases`): HostJobs a host must accept and HostJobs
 * it must refuse, with the JSON pointer of every issue. core's `decodeHostJob` and the bash `vodsr-host` are both
 * tested against it; a third-party host implementation can test itself against it too: encode `job` as
 * base64 JSON, run it, and expect success for `paths: []`, else a usage failure naming exactly `paths`.
 */

import { limitCases } from './hostJobLimitCases.js';

/** One case of the table. */
export interface HostJobCase {
  /** What the case shows. */
  readonly name: string;
  /** The decoded job: any JSON value (sent as base64 of `JSON.stringify(job)`). */
  readonly job: unknown;
  /** The distinct JSON pointers of the issues a validator must report; `[]` = the job is accepted. */
  readonly paths: readonly string[];
}

/** A valid job (open lanczos model, NVENC with a CPU fallback), the base of most cases. */
export const BASE_HOST_JOB = {
  v: 1,
  jobId: 'job-1',
  source: 's3://vin/videos/clip.mp4',
  output: 's3://vout/sr/clip_sr_2x.mp4',
  vf: 'scale=w=iw*2:h=ih*2:flags=lanczos',
  encoderArgs: ['-c:v', 'h264_nvenc', '-preset', 'p5', '-cq', '13', '-c:a', 'copy'],
  cpuEncoderArgs: ['-c:v', 'libx264', '-preset', 'medium', '-crf', '18', '-c:a', 'copy'],
  requiredFilters: ['scale'],
  model: 'lanczos-x2',
  scale: 2,
} as const;

/** The HLS half of a host-packaged job (what `hostHlsPlan('hls-ladder', …)` of the presets renders). */
export const BASE_HOST_HLS = {
  preset: 'hls-ladder',
  destination: 's3://vout/sr/hls/clip_sr_2x.mp4/',
  master: 'index.m3u8',
  variantPrefix: 'index_',
  segmentSeconds: 10,
  gopSeconds: 2,
  steps: [
    { shortSide: 720, maxBitrate: 3_500_000, qvbrQuality: 7, crf: 22, audioBitrate: 128_000 },
    { shortSide: 360, maxBitrate: 800_000, qvbrQuality: 6, crf: 24, audioBitrate: 96_000 },
  ],
  single: { maxBitrate: 5_000_000, qvbrQuality: 0, audioBitrate: 96_000 },
  minRungStep: 0.9,
  maxSize: { long: 4096, short: 2160 },
  x264Preset: 'veryfast',
  nvencPreset: 'p5',
} as const;

const base = BASE_HOST_JOB;
const hls = BASE_HOST_HLS;
const { cpuEncoderArgs: _cpu, ...withoutCpu } = base;
// biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion, as data
const HOSTILE = 'a;$(touch /tmp/vodsr-pwned) `id` \'q"\n|&<>*?~ ${HOME}';

/** Every case; names are unique. */
export const HOST_JOB_CASES: readonly HostJobCase[] = [
  // ------------------------------------------------------------------ accepted
  { name: 'the base job', job: base, paths: [] },
  { name: 'local paths', job: { ...base, source: '/data/in/a.mov', output: 'out/a_sr_2x.mkv' }, paths: [] },
  {
    name: 'shell metacharacters and newlines in keys are data',
    job: { ...base, source: `s3://vin/${HOSTILE}.mp4`, output: `s3://vout/${HOSTILE}_sr_2x.mp4` },
    paths: [],
  },
  {
    name: 'shell metacharacters in a local path are data',
    job: { ...base, source: `/tmp/${HOSTILE}.mp4`, output: `/tmp/out/${HOSTILE}.ts` },
    paths: [],
  },
  {
    name: 'a key of exactly 1024 UTF-8 bytes',
    job: { ...base, source: `s3://vin/${'é'.repeat(512)}` },
    paths: [],
  },
  { name: 'a job id of exactly 256 UTF-8 bytes', job: { ...base, jobId: 'é'.repeat(128) }, paths: [] },
  { name: 'scale 1 and scale 8', job: { ...base, scale: 8 }, paths: [] },
  { name: 'an upper-case output extension', job: { ...base, output: 's3://vout/X_SR_2X.MP4' }, paths: [] },
  {
    name: 'no CPU fallback, audio dropped',
    job: { ...withoutCpu, encoderArgs: ['-c:v', 'libx264', '-an'] },
    paths: [],
  },
  {
    name: 'labels and quoted filter text: only real filter names count',
    job: {
      ...base,
      vf: "[in]scale=w=iw*2:h=ih*2 [s]; [s] drawtext=text='movie,zmq;sendcmd'",
      requiredFilters: ['scale', 'drawtext'],
    },
    paths: [],
  },
  {
    name: 'an escaped comma is not a filter boundary',
    job: { ...base, vf: 'scale=w=iw*2\\,movie:h=ih*2' },
    paths: [],
  },
  { name: 'an unknown extra property (forward compatible)', job: { ...base, note: 'x' }, paths: [] },
  { name: 'quality measurement asked', job: { ...base, quality: true }, paths: [] },
  { name: 'quality measurement off', job: { ...base, quality: false }, paths: [] },
  { name: 'HLS packaged on the host', job: { ...base, hls }, paths: [] },
  { name: 'HLS only (no SR file)', job: { ...base, hls, srFile: false }, paths: [] },
  {
    name: 'HLS into a local folder, hls-single naming with spaces',
    job: {
      ...base,
      output: '/tmp/out/a b_sr_2x.mp4',
      hls: { ...hls, preset: 'hls-single', destination: '/tmp/out/hls/a b/', master: 'a b_sr_2x.m3u8' },
    },
    paths: [],
  },

  // ------------------------------------------------------------------ refused: shape
  { name: 'an array', job: [base], paths: ['/'] },
  { name: 'null', job: null, paths: ['/'] },
  { name: 'a string', job: 'job', paths: ['/'] },
  {
    name: 'an empty object: every required field',
    job: {},
    paths: [
      '/v',
      '/jobId',
      '/source',
      '/output',
      '/vf',
      '/encoderArgs',
      '/requiredFilters',
      '/model',
      '/scale',
    ],
  },
  { name: 'another contract version', job: { ...base, v: 2 }, paths: ['/v'] },
  { name: 'version as a string', job: { ...base, v: '1' }, paths: ['/v'] },
  { name: 'an empty job id', job: { ...base, jobId: '' }, paths: ['/jobId'] },
  { name: 'a numeric job id', job: { ...base, jobId: 7 }, paths: ['/jobId'] },
  { name: 'an empty model and vf', job: { ...base, model: '', vf: '' }, paths: ['/vf', '/model'] },
  {
    name: 'encoderArgs not an array',
    job: { ...base, encoderArgs: '-c:v libx264' },
    paths: ['/encoderArgs'],
  },
  {
    name: 'a number among encoderArgs',
    job: { ...base, encoderArgs: ['-crf', 18] },
    paths: ['/encoderArgs/1'],
  },
  { name: 'a null cpuEncoderArgs', job: { ...base, cpuEncoderArgs: null }, paths: ['/cpuEncoderArgs'] },
  {
    name: 'a number among requiredFilters',
    job: { ...base, requiredFilters: ['scale', 1] },
    paths: ['/requiredFilters/1'],
  },

  // ------------------------------------------------------------------ refused: scale (core said ≥ 1 only)
  { name: 'scale 0', job: { ...base, scale: 0 }, paths: ['/scale'] },
  { name: 'scale 9', job: { ...base, scale: 9 }, paths: ['/scale'] },
  { name: 'a fractional scale', job: { ...base, scale: 2.5 }, paths: ['/scale'] },
  { name: 'scale as a string', job: { ...base, scale: '2' }, paths: ['/scale'] },
  { name: 'quality as a string', job: { ...base, quality: 'yes' }, paths: ['/quality'] },
  { name: 'quality as a number', job: { ...base, quality: 1 }, paths: ['/quality'] },

  // ------------------------------------------------------------------ refused: ids and locations
  {
    name: 'a job id of 257 UTF-8 bytes (129 characters)',
    job: { ...base, jobId: `${'é'.repeat(128)}x` },
    paths: ['/jobId'],
  },
  {
    name: 'the output is the source',
    job: {
      ...base,
      output: base.source.replace('.mp4', '.mkv'),
      source: base.source.replace('.mp4', '.mkv'),
    },
    paths: ['/output'],
  },
  { name: 'an upper-case bucket', job: { ...base, source: 's3://BAD/x.mp4' }, paths: ['/source'] },
  { name: 'a two-character bucket', job: { ...base, source: 's3://ab/x.mp4' }, paths: ['/source'] },
  { name: 'adjacent dots in a bucket', job: { ...base, source: 's3://a..b/x.mp4' }, paths: ['/source'] },
  {
    name: 'a bucket formatted as an IP address',
    job: { ...base, output: 's3://192.168.0.1/x.mp4' },
    paths: ['/output'],
  },
  { name: 'a reserved bucket prefix', job: { ...base, source: 's3://xn--vin/x.mp4' }, paths: ['/source'] },
  {
    name: 'a reserved bucket suffix',
    job: { ...base, output: 's3://vout-s3alias/x.mp4' },
    paths: ['/output'],
  },
  { name: 'a newline after the bucket', job: { ...base, source: 's3://vin\n/x.mp4' }, paths: ['/source'] },
  { name: 'no key', job: { ...base, source: 's3://vin' }, paths: ['/source'] },
  { name: 'an empty key', job: { ...base, source: 's3://vin/' }, paths: ['/source'] },
  {
    name: 'a key of 1025 UTF-8 bytes',
    job: { ...base, source: `s3://vin/${'é'.repeat(512)}x` },
    paths: ['/source'],
  },
  { name: 'another URI scheme', job: { ...base, source: 'https://example.com/a.mp4' }, paths: ['/source'] },
  { name: 'an upper-case S3 scheme', job: { ...base, output: 'S3://vout/a_sr_2x.mp4' }, paths: ['/output'] },

  // ------------------------------------------------------------------ refused: output container
  { name: 'an .exe output', job: { ...base, output: 's3://vout/x_sr_2x.exe' }, paths: ['/output'] },
  {
    name: 'an output without an extension',
    job: { ...base, output: '/tmp/out/x_sr_2x' },
    paths: ['/output'],
  },
  {
    name: 'an output ending in a slash',
    job: { ...base, output: 's3://vout/x_sr_2x.mp4/' },
    paths: ['/output'],
  },
  {
    name: 'a Kelvin sign is not a k',
    job: { ...base, output: 's3://vout/x_sr_2x.m\u212Av' },
    paths: ['/output'],
  },

  // ------------------------------------------------------------------ refused: encoder options
  {
    name: 'an extra input (-i)',
    job: { ...base, encoderArgs: ['-c:v', 'libx264', '-i', '/etc/passwd'] },
    paths: ['/encoderArgs/2'],
  },
  {
    name: 'a forced format (-f)',
    job: { ...base, encoderArgs: ['-f', 'image2', '-c:v', 'libx264'] },
    paths: ['/encoderArgs/0'],
  },
  {
    name: 'an extra output file',
    job: { ...base, encoderArgs: ['-c:v', 'libx264', '-y', '/tmp/evil.mp4'] },
    paths: ['/encoderArgs/2'],
  },
  {
    name: 'a -map in the CPU fallback',
    job: { ...base, cpuEncoderArgs: ['-c:v', 'libx264', '-map', '0'] },
    paths: ['/cpuEncoderArgs/2'],
  },
  {
    name: 'a filter_complex',
    job: { ...base, encoderArgs: ['-filter_complex', 'movie=/etc/passwd'] },
    paths: ['/encoderArgs/0'],
  },
  {
    name: 'an option without its value',
    job: { ...base, encoderArgs: ['-c:v', 'libx264', '-crf'] },
    paths: ['/encoderArgs/2'],
  },
  {
    name: 'a newline after an option name',
    job: { ...base, encoderArgs: ['-c:v\n', 'libx264'] },
    paths: ['/encoderArgs/0'],
  },
  {
    name: 'a bare value where an option belongs',
    job: { ...base, encoderArgs: ['libx264'] },
    paths: ['/encoderArgs/0'],
  },

  // ------------------------------------------------------------------ refused: filters
  {
    name: 'movie= reads a file',
    job: { ...base, vf: 'movie=/etc/passwd,scale=w=iw*2:h=ih*2', requiredFilters: ['movie', 'scale'] },
    paths: ['/vf'],
  },
  {
    name: 'a labelled amovie',
    job: { ...base, vf: '[x]amovie=/dev/zero[y]', requiredFilters: ['amovie'] },
    paths: ['/vf'],
  },
  {
    name: 'sendcmd after a semicolon',
    job: { ...base, vf: 'scale=w=iw*2:h=ih*2; sendcmd=f=/etc/x', requiredFilters: ['scale', 'sendcmd'] },
    paths: ['/vf'],
  },
  {
    name: 'zmq opens a socket',
    job: { ...base, vf: 'zmq,scale=w=iw*2:h=ih*2', requiredFilters: ['zmq', 'scale'] },
    paths: ['/vf'],
  },
  {
    name: 'a filter not in requiredFilters',
    job: { ...base, vf: 'scale=w=iw*2:h=ih*2,drawtext=textfile=/etc/passwd' },
    paths: ['/vf'],
  },

  // ------------------------------------------------------------------ refused: host packaging
  { name: 'no SR file and no HLS', job: { ...base, srFile: false }, paths: ['/srFile'] },
  { name: 'srFile not a boolean', job: { ...base, srFile: 'no' }, paths: ['/srFile'] },
  { name: 'hls not an object', job: { ...base, hls: 'index.m3u8' }, paths: ['/hls'] },
  {
    name: 'an HLS destination without a trailing slash',
    job: { ...base, hls: { ...hls, destination: 's3://vout/hls' } },
    paths: ['/hls/destination'],
  },
  {
    name: 'an HLS destination in an invalid bucket',
    job: { ...base, hls: { ...hls, destination: 's3://BAD/hls/' } },
    paths: ['/hls/destination'],
  },
  {
    name: 'a master playlist name with a slash',
    job: { ...base, hls: { ...hls, master: '../index.m3u8' } },
    paths: ['/hls/master'],
  },
  {
    name: 'a variant prefix with a newline',
    job: { ...base, hls: { ...hls, variantPrefix: 'a\nb' } },
    paths: ['/hls/variantPrefix'],
  },
  {
    name: 'an unknown HLS preset',
    job: { ...base, hls: { ...hls, preset: 'dash' } },
    paths: ['/hls/preset'],
  },
  {
    name: 'a segment length of 0',
    job: { ...base, hls: { ...hls, segmentSeconds: 0 } },
    paths: ['/hls/segmentSeconds'],
  },
  {
    name: 'a ladder step with a string crf',
    job: { ...base, hls: { ...hls, steps: [{ ...hls.steps[0], crf: '22' }] } },
    paths: ['/hls/steps/0/crf'],
  },
  { name: 'an empty ladder', job: { ...base, hls: { ...hls, steps: [] } }, paths: ['/hls/steps'] },
  {
    name: 'an HLS plan without its master name',
    job: { ...base, hls: (({ master: _m, ...rest }) => rest)(hls) },
    paths: ['/hls/master'],
  },
  {
    name: 'an x264 preset that is an option',
    job: { ...base, hls: { ...hls, x264Preset: '-y' } },
    paths: ['/hls/x264Preset'],
  },
  {
    name: 'a branching SR chain when the host packages',
    job: { ...base, hls, vf: 'scale=w=iw*2:h=ih*2[a];[a]scale=w=iw:h=ih' },
    paths: ['/vf'],
  },

  // ------------------------------------------------------------------ refused: NUL characters
  { name: 'a NUL in the source key', job: { ...base, source: 's3://vin/a\u0000b.mp4' }, paths: ['/source'] },
  {
    name: 'a NUL in an encoder value',
    job: { ...base, encoderArgs: ['-c:v', 'libx264\u0000'] },
    paths: ['/encoderArgs/1'],
  },
  { name: 'a NUL in an extra property', job: { ...base, note: 'a\u0000' }, paths: ['/note'] },

  // ------------------------------------------------------------------ refused: several problems at once
  {
    name: 'every problem is reported, not only the first',
    job: { ...base, v: 2, scale: 0, output: base.source, encoderArgs: ['-i', 'x'], vf: 'movie=x' },
    paths: ['/v', '/scale', '/output', '/encoderArgs/0', '/vf'],
  },
  ...limitCases(base),
];
