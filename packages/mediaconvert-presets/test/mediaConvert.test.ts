import { CreateJobCommand, MediaConvertClient } from '@aws-sdk/client-mediaconvert';
import { type MediaInfo, parseJobSpec, prepareJob } from '@vodsr/core';
import { HLS_FILE_NAME_BUDGET, utf8Length } from '@vodsr/core/naming';
import {
  buildMediaConvertSettings,
  createJobRequest,
  mediaConvertPlaylists,
  planRungs,
} from '@vodsr/mediaconvert-presets';
import { describe, expect, it } from 'vitest';

const ROLE = 'arn:aws:iam::111122223333:role/vodsr-mediaconvert';
const LOC = { input: 's3://vodsr-out/movies/a_sr_2x.mp4', destination: 's3://vodsr-out/hls/a_sr_2x.mp4/' };
const media = (width: number, height: number, extra: Partial<MediaInfo> = {}): MediaInfo => ({
  width,
  height,
  durationSeconds: 60,
  hasAudio: true,
  ...extra,
});

describe('buildMediaConvertSettings hls-ladder', () => {
  it('has one output per rung with its size, QVBR level and max bitrate, without letterboxing', () => {
    // Prepare
    const m = media(1080, 1920);
    // Act
    const settings = buildMediaConvertSettings('hls-ladder', { media: m, ...LOC });
    // Assess
    const outputs = settings.OutputGroups?.[0]?.Outputs ?? [];
    const rungs = planRungs('hls-ladder', m);
    expect(outputs.map((o) => o.NameModifier)).toEqual(['_1080p', '_720p', '_540p', '_360p']);
    outputs.forEach((o, i) => {
      const r = rungs[i]!;
      expect(o.VideoDescription).toMatchObject({
        Width: r.width,
        Height: r.height,
        ScalingBehavior: 'STRETCH_TO_OUTPUT',
        CodecSettings: {
          Codec: 'H_264',
          H264Settings: {
            RateControlMode: 'QVBR',
            QvbrSettings: { QvbrQualityLevel: r.qvbrQuality },
            MaxBitrate: r.maxBitrate,
            SceneChangeDetect: 'TRANSITION_DETECTION',
          },
        },
      });
      expect(o.AudioDescriptions?.[0]?.CodecSettings?.AacSettings).toEqual({
        Bitrate: r.audioBitrate,
        CodingMode: 'CODING_MODE_2_0',
        SampleRate: 48000,
      });
    });
    expect(outputs.map((o) => [o.VideoDescription?.Width, o.VideoDescription?.Height])).toEqual([
      [1080, 1920],
      [720, 1280],
      [540, 960],
      [360, 640],
    ]);
  });

  it('aligns GOPs with segments: 2 s closed GOPs in 10 s segments, 1 s GOPs for odd segment lengths', () => {
    const gop = (segmentSeconds?: number) => {
      const s = buildMediaConvertSettings('hls-ladder', {
        media: media(1920, 1080),
        ...LOC,
        ...(segmentSeconds ? { segmentSeconds } : {}),
      });
      const h264 = s.OutputGroups?.[0]?.Outputs?.[0]?.VideoDescription?.CodecSettings?.H264Settings;
      const group = s.OutputGroups?.[0]?.OutputGroupSettings?.HlsGroupSettings;
      return [group?.SegmentLength, h264?.GopSize, h264?.GopSizeUnits, h264?.GopClosedCadence];
    };
    expect(gop()).toEqual([10, 2, 'SECONDS', 1]);
    expect(gop(6)).toEqual([6, 2, 'SECONDS', 1]);
    expect(gop(5)).toEqual([5, 1, 'SECONDS', 1]);
  });

  it('writes a deterministic hls/<name>/index.m3u8 layout with RESOLUTION and CODECS in the master', () => {
    const settings = buildMediaConvertSettings('hls-ladder', { media: media(1280, 720), ...LOC });
    expect(settings.OutputGroups?.[0]?.OutputGroupSettings?.HlsGroupSettings).toEqual({
      SegmentLength: 10,
      Destination: 's3://vodsr-out/hls/a_sr_2x.mp4/index',
      DestinationSettings: { S3Settings: { StorageClass: 'STANDARD' } },
      MinSegmentLength: 0,
      SegmentControl: 'SEGMENTED_FILES',
      OutputSelection: 'MANIFESTS_AND_SEGMENTS',
      DirectoryStructure: 'SINGLE_DIRECTORY',
      StreamInfResolution: 'INCLUDE',
      CodecSpecification: 'RFC_6381',
    });
    expect(mediaConvertPlaylists('hls-ladder', { media: media(1280, 720), ...LOC })).toEqual({
      master: 's3://vodsr-out/hls/a_sr_2x.mp4/index.m3u8',
      variants: [
        { name: '720p', playlist: 's3://vodsr-out/hls/a_sr_2x.mp4/index_720p.m3u8' },
        { name: '540p', playlist: 's3://vodsr-out/hls/a_sr_2x.mp4/index_540p.m3u8' },
        { name: '360p', playlist: 's3://vodsr-out/hls/a_sr_2x.mp4/index_360p.m3u8' },
      ],
    });
  });

  it('produces a job with no audio selector and no audio outputs for a source without audio', () => {
    const settings = buildMediaConvertSettings('hls-ladder', {
      media: media(1920, 1080, { hasAudio: false }),
      ...LOC,
    });
    const outputs = settings.OutputGroups?.[0]?.Outputs ?? [];
    expect(outputs).toHaveLength(4);
    for (const o of outputs) expect(o).not.toHaveProperty('AudioDescriptions');
    expect(settings.Inputs).toEqual([
      { VideoSelector: {}, TimecodeSource: 'ZEROBASED', FileInput: 's3://vodsr-out/movies/a_sr_2x.mp4' },
    ]);
  });

  it('asks MediaConvert to honour rotation metadata (it ignores it by default)', () => {
    const settings = buildMediaConvertSettings('hls-ladder', {
      media: media(1920, 1080, { rotation: 90 }),
      ...LOC,
    });
    expect(settings.Inputs?.[0]?.VideoSelector).toEqual({ Rotate: 'AUTO' });
    expect(settings.OutputGroups?.[0]?.Outputs?.[0]?.VideoDescription).toMatchObject({
      Width: 1080,
      Height: 1920,
    });
  });

  it('honours maxRungs and a safe name prefix', () => {
    const settings = buildMediaConvertSettings('hls-ladder', {
      media: media(3840, 2160),
      ...LOC,
      maxRungs: 2,
      nameModifier: '_sr',
    });
    expect(settings.OutputGroups?.[0]?.Outputs?.map((o) => o.NameModifier)).toEqual([
      '_sr_2160p',
      '_sr_360p',
    ]);
  });
});

describe('buildMediaConvertSettings input checks', () => {
  it('reports every bad location and option at once', () => {
    expect(() =>
      buildMediaConvertSettings('hls-ladder', {
        media: media(1280, 720),
        input: 'https://example.com/a.mp4',
        destination: 's3://vodsr-out/hls/$dt$',
        segmentSeconds: 0,
        nameModifier: '_$rv$',
      }),
    ).toThrowError(
      expect.objectContaining({
        code: 'VODSR_VALIDATION',
        issues: [
          { path: '/segmentSeconds', message: 'must be an integer from 1 to 60' },
          { path: '/nameModifier', message: expect.stringContaining('[A-Za-z0-9._-]') },
          { path: '/input', message: expect.stringContaining('Not an S3 URI') },
          { path: '/destination', message: expect.stringContaining('must end with /') },
          { path: '/destination', message: expect.stringContaining("must not contain '$'") },
        ],
      }),
    );
  });

  it('refuses the none preset and unknown presets with coded errors', () => {
    expect(() => buildMediaConvertSettings('none', { media: media(640, 480), ...LOC })).toThrowError(
      expect.objectContaining({
        code: 'VODSR_VALIDATION',
        message: expect.stringContaining('"none" packages nothing'),
      }),
    );
    expect(() =>
      buildMediaConvertSettings('dash' as 'none', { media: media(640, 480), ...LOC }),
    ).toThrowError(expect.objectContaining({ code: 'VODSR_UNKNOWN_PRESET' }));
  });
});

describe('createJobRequest', () => {
  it('carries role, queue and the job id in UserMetadata', () => {
    const req = createJobRequest('hls-ladder', {
      media: media(1280, 720),
      ...LOC,
      role: ROLE,
      queue: 'arn:aws:mediaconvert:us-east-1:111122223333:queues/Default',
      userMetadata: { jobId: 'j-42' },
    });
    expect(req.Role).toBe(ROLE);
    expect(req.Queue).toBe('arn:aws:mediaconvert:us-east-1:111122223333:queues/Default');
    expect(req.UserMetadata).toEqual({ jobId: 'j-42', vodsrPreset: 'hls-ladder' });
    expect(req.Settings?.OutputGroups?.[0]?.Outputs).toHaveLength(3);
  });

  it('rejects a role that is not an IAM role ARN together with the other problems', () => {
    expect(() =>
      createJobRequest('hls-single', {
        media: media(640, 480),
        ...LOC,
        destination: 's3://vodsr-out/x',
        role: 'admin',
      }),
    ).toThrowError(
      expect.objectContaining({
        code: 'VODSR_VALIDATION',
        issues: [
          { path: '/role', message: expect.stringContaining('IAM role ARN') },
          { path: '/destination', message: expect.stringContaining('must end with /') },
        ],
      }),
    );
  });

  it('survives serialization by the AWS SDK CreateJobCommand field for field', async () => {
    // Prepare: a client whose requests stop before signing/sending; the body is what the SDK would send.
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
    const req = createJobRequest('hls-ladder', {
      media: media(1920, 1080, { rotation: 90 }),
      ...LOC,
      role: ROLE,
      userMetadata: { jobId: 'j-42' },
      clientRequestToken: 'j-42-attempt-1',
    });
    // Act
    await client.send(new CreateJobCommand(req));
    // Assess: every field we set made it into the wire format (the serializer drops unknown fields).
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
    expect(JSON.parse(body)).toEqual(camel(req));
  });
});

describe('hls-single names near the S3 key limit', () => {
  const longInput = (stemBytes: number) => {
    const job = parseJobSpec({ source: `s3://in-bucket/${'k'.repeat(stemBytes)}.mp4` });
    return prepareJob(job, { jobId: 'j', outputRoot: 's3://out-bucket/r/' });
  };

  it("keeps the use case's naming (files named after the SR file) when it fits", () => {
    const input = longInput(10);
    const settings = buildMediaConvertSettings('hls-single', {
      media: media(1280, 960),
      input: input.srFile,
      destination: input.hlsDestination,
    });
    const group = settings.OutputGroups?.[0];
    expect(group?.OutputGroupSettings?.HlsGroupSettings?.Destination).toBe(input.hlsDestination);
    expect(group?.Outputs?.[0]?.NameModifier).toBe(`_modifier_${input.job.srName}`);
  });

  it('switches to a fixed base name and short modifier so every key of a 1,000-byte name fits', () => {
    const input = longInput(240);
    const o = { media: media(1280, 960), input: input.srFile, destination: input.hlsDestination };
    const settings = buildMediaConvertSettings('hls-single', o);
    const group = settings.OutputGroups?.[0];
    const dest = group?.OutputGroupSettings?.HlsGroupSettings?.Destination as string;
    expect(dest).toBe(`${input.hlsDestination}index`);
    const modifier = group?.Outputs?.[0]?.NameModifier as string;
    // MediaConvert's longest key: <destination base><modifier>_<segment number>.ts
    const segmentKey = `${dest}${modifier}_000000001.ts`.replace(/^s3:\/\/[^/]+\//, '');
    expect(utf8Length(segmentKey)).toBeLessThanOrEqual(1024);
    expect(utf8Length(`index${modifier}_000000001.ts`)).toBeLessThanOrEqual(HLS_FILE_NAME_BUDGET);
    const playlists = mediaConvertPlaylists('hls-single', o);
    expect(playlists.master).toBe(`${input.hlsDestination}index.m3u8`);
    expect(playlists.variants[0]?.playlist).toBe(`${input.hlsDestination}index${modifier}.m3u8`);
  });
});

describe('buildMediaConvertSettings within MediaConvert AVC limits', () => {
  it('hls-single of an SR output beyond 4096x2160 says its fitted size; within it, none (the use case)', () => {
    const big = buildMediaConvertSettings('hls-single', { media: media(7680, 4320), ...LOC });
    expect(big.OutputGroups?.[0]?.Outputs?.[0]?.VideoDescription).toMatchObject({
      Width: 3840,
      Height: 2160,
      ScalingBehavior: 'STRETCH_TO_OUTPUT',
      CodecSettings: { Codec: 'H_264' },
    });
    const portrait = buildMediaConvertSettings('hls-single', { media: media(3072, 4096), ...LOC });
    expect(portrait.OutputGroups?.[0]?.Outputs?.[0]?.VideoDescription).toMatchObject({
      Width: 2160,
      Height: 2880,
    });
    const uhd = buildMediaConvertSettings('hls-single', { media: media(3840, 2160), ...LOC });
    expect(uhd.OutputGroups?.[0]?.Outputs?.[0]?.VideoDescription).not.toHaveProperty('Width');
  });

  it('hls-ladder of a 4096x3072 SR output tops at 2880x2160', () => {
    const s = buildMediaConvertSettings('hls-ladder', { media: media(4096, 3072), ...LOC });
    const sizes = (s.OutputGroups?.[0]?.Outputs ?? []).map((o) => [
      o.VideoDescription?.Width,
      o.VideoDescription?.Height,
    ]);
    expect(sizes[0]).toEqual([2880, 2160]);
  });
});
