/**
 * The host engine's plan: one preset data set for both engines. `hostHlsPlan` renders the preset's data into the
 * HostJob, and vodsr-host's rung planner (its HLS_RUNGS_JQ program, run here with jq) chooses the same rungs as
 * `planRungs` over a grid of sizes, aspect ratios, audio or not, and rung limits; the file names are MediaConvert's.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { validateHostJob } from '@vodsr/core/host';
import { BASE_HOST_JOB } from '@vodsr/core/host-job-cases';
import { hostHlsPlan, mediaConvertPlaylists, planRungs } from '@vodsr/mediaconvert-presets';
import { describe, expect, it } from 'vitest';

const HOST_SCRIPT = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'host-scripts',
  'bin',
  'vodsr-host',
);
const RUNGS_JQ = /read -r -d '' HLS_RUNGS_JQ <<'JQ' \|\| true\n([\s\S]*?)\nJQ\n/.exec(
  readFileSync(HOST_SCRIPT, 'utf8'),
)?.[1] as string;

/** The host's rungs for pictures, from its own jq program: one jq process for every case. */
function hostRungsMany(
  cases: { h: unknown; m: { width: number; height: number; hasAudio: boolean } }[],
): unknown[][] {
  const file = join(mkdtempSync(join(tmpdir(), 'vodsr-rungs-')), 'cases.json');
  writeFileSync(file, JSON.stringify(cases));
  return JSON.parse(
    execFileSync(
      'jq',
      ['-nc', '--slurpfile', 'cases', file, `[$cases[0][] | . as {h: $h, m: $m} | ${RUNGS_JQ}]`],
      {
        encoding: 'utf8',
      },
    ),
  );
}

function hostRungs(h: unknown, m: { width: number; height: number; hasAudio: boolean }): unknown[] {
  return hostRungsMany([{ h, m }])[0] as unknown[];
}

const SIZES: [number, number][] = [
  [1280, 720],
  [1280, 960],
  [960, 1280],
  [720, 1280],
  [854, 480],
  [640, 360],
  [3840, 2160],
  [7680, 4320],
  [4096, 2304],
  [1920, 800],
  [1442, 1080],
  [2560, 1440],
  [1000, 1000],
  [322, 178],
  [5120, 2880],
  [1080, 1920],
  [4096, 3072],
  [3072, 4096],
  [4320, 7680],
  [8192, 4320],
  [4098, 2160],
];

describe('hostHlsPlan', () => {
  it('renders a valid HostJob.hls for both presets', () => {
    for (const preset of ['hls-single', 'hls-ladder']) {
      const hls = hostHlsPlan(preset, {
        destination: 's3://vout/hls/a_sr_2x.mp4/',
        srFileName: 'a_sr_2x.mp4',
      });
      expect(validateHostJob({ ...BASE_HOST_JOB, hls })).toEqual([]);
    }
  });

  it('refuses none and a destination that is not a folder', () => {
    expect(() => hostHlsPlan('none', { destination: '/x/', srFileName: 'a.mp4' })).toThrow(
      /packages nothing/,
    );
    expect(() => hostHlsPlan('hls-ladder', { destination: '/x', srFileName: 'a.mp4' })).toThrow(
      /ending with/,
    );
  });

  it('the host chooses exactly the rungs planRungs chooses, for every size, audio and rung limit', () => {
    expect(RUNGS_JQ).toContain('hls-single');
    const cases: { h: unknown; m: { width: number; height: number; hasAudio: boolean } }[] = [];
    const expected: unknown[] = [];
    for (const preset of ['hls-ladder', 'hls-single'] as const) {
      for (const maxRungs of [undefined, 1, 2, 3]) {
        const h = hostHlsPlan(preset, {
          destination: '/out/hls/',
          srFileName: 'a_sr_2x.mp4',
          ...(maxRungs === undefined ? {} : { maxRungs }),
        });
        for (const [width, height] of SIZES) {
          for (const hasAudio of [true, false]) {
            cases.push({ h, m: { width, height, hasAudio } });
            expected.push(
              planRungs(
                preset,
                { width, height, hasAudio, durationSeconds: 10 },
                maxRungs === undefined ? {} : { maxRungs },
              ),
            );
          }
        }
      }
    }
    expect(cases).toHaveLength(2 * 4 * SIZES.length * 2);
    expect(hostRungsMany(cases)).toEqual(expected);
  });

  it('names the files as MediaConvert does: master and variant playlists of both presets', () => {
    const media = { width: 1280, height: 720, hasAudio: true, durationSeconds: 10 };
    const destination = 's3://vout/hls/clip_sr_2x.mp4/';
    for (const [preset, srFileName] of [
      ['hls-ladder', 'clip_sr_2x.mp4'],
      ['hls-single', 'clip_sr_2x.mp4'],
      ['hls-single', `${'long name '.repeat(20)}_sr_2x.mp4`],
    ] as const) {
      const hls = hostHlsPlan(preset, { destination, srFileName });
      const mc = mediaConvertPlaylists(preset, { media, input: `s3://vout/${srFileName}`, destination });
      const rungs = hostRungs(hls, media) as { name: string }[];
      expect(`${hls.destination}${hls.master}`).toBe(mc.master);
      expect(
        rungs.map((r) => `${destination}${hls.variantPrefix}${preset === 'hls-ladder' ? r.name : ''}.m3u8`),
      ).toEqual(mc.variants.map((v) => v.playlist));
    }
  });
});
