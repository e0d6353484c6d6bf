import { readFileSync } from 'node:fs';
import {
  buildMediaConvertSettings,
  createJobRequest,
  mediaConvertPlaylists,
} from '@vodsr/mediaconvert-presets';
import { describe, expect, it } from 'vitest';
import { resolveStatesFormat } from './helpers.js';

// The use case's MediaConvert_CreateJob state, verbatim (only the account id of the role ARN replaced).
const SEED = JSON.parse(
  readFileSync(new URL('./fixtures/seed-mediaconvert-createjob.json', import.meta.url), 'utf8'),
) as { state: { Parameters: { Role: string; Settings: unknown } } };

// The use case's input example (Step 3-4).
const SEED_INPUT = {
  instanceId: 'i-0123456789abcdef0',
  origBucket: 'bluewhale-ami-sample',
  origFile: 'apink_10s.mp4',
  srBucket: 'bluewhale-ami-sample-sr',
  srFile: 'apink_10s_sr_2x.mp4',
};
// What the SR step produces from the use case's 640x480 sample (with audio).
const SR_MEDIA = { width: 1280, height: 960, durationSeconds: 10, hasAudio: true, audioCodec: 'aac' };
const LOCATIONS = {
  input: `s3://${SEED_INPUT.srBucket}/${SEED_INPUT.srFile}`,
  destination: `s3://${SEED_INPUT.srBucket}/hls/${SEED_INPUT.srFile}/`,
};

describe('hls-single', () => {
  it("equals the use case's MediaConvert Settings value for value", () => {
    // Prepare
    const expected = (resolveStatesFormat(SEED.state.Parameters, SEED_INPUT) as { Settings: unknown })
      .Settings;
    // Act
    const settings = buildMediaConvertSettings('hls-single', { media: SR_MEDIA, ...LOCATIONS });
    // Assess
    expect(settings).toEqual(expected);
    expect(JSON.stringify(settings)).toBe(JSON.stringify(expected));
  });

  it("gives the use case's full CreateJob parameters plus the correlation metadata", () => {
    const role = SEED.state.Parameters.Role;
    const request = createJobRequest('hls-single', {
      media: SR_MEDIA,
      ...LOCATIONS,
      role,
      userMetadata: { jobId: 'job-123' },
    });
    const expected = resolveStatesFormat(SEED.state.Parameters, SEED_INPUT) as Record<string, unknown>;
    expect(request).toEqual({ ...expected, UserMetadata: { jobId: 'job-123', vodsrPreset: 'hls-single' } });
  });

  it('writes the master playlist named after the SR file inside hls/<srFile>/', () => {
    expect(mediaConvertPlaylists('hls-single', { media: SR_MEDIA, ...LOCATIONS })).toEqual({
      master: 's3://bluewhale-ami-sample-sr/hls/apink_10s_sr_2x.mp4/apink_10s_sr_2x.m3u8',
      variants: [
        {
          name: '960p',
          playlist:
            's3://bluewhale-ami-sample-sr/hls/apink_10s_sr_2x.mp4/apink_10s_sr_2x_modifier_apink_10s_sr_2x.mp4.m3u8',
        },
      ],
    });
  });

  it('keeps the _modifier_ idea but never lets a $ from the file name into NameModifier', () => {
    const srFile = 'clip $dt$ $rv$ (1).mp4';
    const settings = buildMediaConvertSettings('hls-single', {
      media: SR_MEDIA,
      input: `s3://bluewhale-ami-sample-sr/${srFile}`,
      destination: 's3://bluewhale-ami-sample-sr/hls/clip/',
    });
    const modifier = settings.OutputGroups?.[0]?.Outputs?.[0]?.NameModifier ?? '';
    expect(modifier).toMatch(/^_modifier_clip_dt_rv_1_\.mp4_[0-9a-f]{10}$/);
    expect(modifier).not.toContain('$');
    expect(modifier).not.toContain(' ');
    expect(settings.Inputs?.[0]?.FileInput).toBe(`s3://bluewhale-ami-sample-sr/${srFile}`);
  });

  it('drops the audio selector and audio output for a source without audio', () => {
    const settings = buildMediaConvertSettings('hls-single', {
      media: { ...SR_MEDIA, hasAudio: false },
      ...LOCATIONS,
    });
    const output = settings.OutputGroups?.[0]?.Outputs?.[0];
    expect(output?.AudioDescriptions).toBeUndefined();
    expect(settings.Inputs?.[0]?.AudioSelectors).toBeUndefined();
    expect(output?.VideoDescription?.CodecSettings?.H264Settings?.MaxBitrate).toBe(5_000_000);
  });
});
