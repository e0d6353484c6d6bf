import { decodeHostJob, parseJobSpec, prepareJob, ValidationError, VodsrError } from '@vodsr/core';
import {
  describeLimit,
  ENCODER_LIMITS,
  fitIntoLimit,
  fitsLimit,
  isStillImage,
  MEDIACONVERT_LIMITS,
  pixFmtFor,
  srEncoderFor,
} from '@vodsr/core/models';
import { describe, expect, it } from 'vitest';

const ctx = { jobId: 'j1', outputRoot: 's3://vout/sr/' };
const uhd = { width: 3840, height: 2160, formatName: 'mov,mp4,m4a,3gp,3g2,mj2' };

function refusal(f: () => unknown): VodsrError {
  try {
    f();
  } catch (e) {
    if (e instanceof VodsrError) return e;
    throw e;
  }
  throw new TypeError('expected a refusal');
}

describe('the encoder limits table', () => {
  it('has every encoder and MediaConvert codec, each with a source', () => {
    expect(Object.keys(ENCODER_LIMITS).sort()).toEqual(['h264_nvenc', 'hevc_nvenc', 'libx264', 'libx265']);
    for (const l of [...Object.values(ENCODER_LIMITS), ...Object.values(MEDIACONVERT_LIMITS)]) {
      expect(l.source.length).toBeGreaterThan(20);
    }
    expect(describeLimit(ENCODER_LIMITS.h264_nvenc)).toBe('4096x4096');
    expect(describeLimit(MEDIACONVERT_LIMITS.H_264)).toBe('4096x2160 (2160x4096 portrait)');
    expect(describeLimit(MEDIACONVERT_LIMITS.H_265)).toBe('8192x4320 (4320x8192 portrait)');
  });

  it('checks both orientations and the level frame size', () => {
    expect(fitsLimit(MEDIACONVERT_LIMITS.H_264, 2160, 4096)).toBe(true);
    expect(fitsLimit(MEDIACONVERT_LIMITS.H_264, 3072, 2304)).toBe(false);
    expect(fitsLimit(ENCODER_LIMITS.h264_nvenc, 4096, 4096)).toBe(true);
    expect(fitsLimit(ENCODER_LIMITS.h264_nvenc, 4098, 2160)).toBe(false);
    expect(fitsLimit(ENCODER_LIMITS.libx264, 8192, 4320)).toBe(true); // 138,240 macroblocks ≤ 139,264
    expect(fitsLimit(ENCODER_LIMITS.libx264, 8192, 4400)).toBe(false);
    expect(fitIntoLimit(MEDIACONVERT_LIMITS.H_264, 4096, 3072)).toEqual({ width: 2880, height: 2160 });
    expect(fitIntoLimit(MEDIACONVERT_LIMITS.H_264, 1920, 1080)).toEqual({ width: 1920, height: 1080 });
  });
});

describe('the SR encoder rule', () => {
  const job = parseJobSpec({ source: 's3://vin/uhd.mp4', model: 'lanczos-x2' });

  it('keeps NVENC H.264 up to 4096, switches a 4K source at x2 to HEVC, refuses beyond HEVC', () => {
    expect(srEncoderFor(job.encoder, 4096, 2160, 'x')).toEqual({ use: 'encoder' });
    expect(srEncoderFor(job.encoder, 7680, 4320, 'x')).toEqual({ use: 'oversize', codec: 'hevc_nvenc' });
    const e = refusal(() => srEncoderFor(job.encoder, 15360, 8640, 'source 3840x2160 × 4'));
    expect(e.code).toBe('VODSR_ENCODER_LIMIT');
    expect(e.message).toBe(
      'The SR picture would be 15360x8640 (source 3840x2160 × 4): NVENC H.264 takes at most 4096x4096; NVENC HEVC takes at most 8192x8192. Use a smaller scale or a smaller source.',
    );
  });

  it('libx264 takes 8K (level 6.2) and refuses beyond it; oversize "refuse" refuses', () => {
    const x264 = parseJobSpec({ source: 'a.mp4', model: 'lanczos-x2', encoder: { codec: 'libx264' } });
    expect(srEncoderFor(x264.encoder, 7680, 4320, 'x')).toEqual({ use: 'encoder' }); // level 6.2 takes 8K
    expect(refusal(() => srEncoderFor(x264.encoder, 16_000, 9000, 'x')).message).toContain(
      'libx264 (H.264 level 6.2) takes at most 16880x16880, at most 35651584 pixels; libx265',
    );
    const strict = parseJobSpec({ source: 'a.mp4', model: 'lanczos-x2', encoder: { oversize: 'refuse' } });
    expect(refusal(() => srEncoderFor(strict.encoder, 7680, 4320, 'x')).message).toContain(
      'NVENC H.264 takes at most 4096x4096.',
    );
  });
});

describe('prepareJob with the probed source', () => {
  it('refuses a 4K source at x2 with oversize "refuse", naming the limit and the size (was: accepted)', () => {
    const job = parseJobSpec({ source: '/in/uhd.mp4', model: 'lanczos-x2', encoder: { oversize: 'refuse' } });
    const e = refusal(() => prepareJob(job, { ...ctx, media: uhd }));
    expect(e.code).toBe('VODSR_ENCODER_LIMIT');
    expect(e.status).toBe(400);
    expect(e.message).toContain('7680x4320 (source 3840x2160 × 2)');
    expect(e.message).toContain('NVENC H.264 takes at most 4096x4096');
  });

  it('accepts it by default, and the host job carries the limit and the HEVC switch for the host', () => {
    const job = parseJobSpec({ source: '/in/uhd.mp4', model: 'lanczos-x2' });
    const host = decodeHostJob(prepareJob(job, { ...ctx, media: uhd }).hostJobB64);
    expect(host.sizeLimit).toEqual({ long: 4096, short: 4096, pixels: 16_777_216, label: 'NVENC H.264' });
    expect(host.oversize?.encoderArgs.slice(0, 2)).toEqual(['-c:v', 'hevc_nvenc']);
    expect(host.oversize?.cpuEncoderArgs?.slice(0, 2)).toEqual(['-c:v', 'libx265']);
    expect(host.oversize?.sizeLimit.label).toBe('NVENC HEVC');
    expect(host.pixelFormat).toBe('yuv420p');
  });

  it('uses the displayed size: a rotated 2160x3840 source at x4 is refused', () => {
    const job = parseJobSpec({
      source: '/in/p.mp4',
      model: 'custom',
      scale: 4,
      filters: [{ name: 'scale', options: { w: 'iw*4', h: 'ih*4' } }],
    });
    const e = refusal(() => prepareJob(job, { ...ctx, media: { width: 3840, height: 2160, rotation: 90 } }));
    expect(e.message).toContain('8640x15360 (source 2160x3840 × 4)');
  });

  it('refuses a still image with VODSR_STILL_IMAGE (was: accepted, a one-frame "video")', () => {
    const job = parseJobSpec({ source: '/in/x.png', model: 'lanczos-x2' });
    const e = refusal(() =>
      prepareJob(job, { ...ctx, media: { width: 64, height: 48, formatName: 'png_pipe' } }),
    );
    expect(e.code).toBe('VODSR_STILL_IMAGE');
    expect(e.message).toContain('still image (png_pipe)');
    for (const f of ['png_pipe', 'jpeg_pipe', 'webp_pipe', 'image2'])
      expect(isStillImage({ formatName: f })).toBe(true);
    for (const f of ['mov,mp4,m4a,3gp,3g2,mj2', 'matroska,webm', 'gif', 'apng', 'mpegts']) {
      expect(isStillImage({ formatName: f })).toBe(false);
    }
  });
});

describe('the pixel format rule', () => {
  it('asks 8-bit 4:2:0 of a 10-bit or 4:4:4 source, nothing of a 4:2:0 or unknown one', () => {
    expect(pixFmtFor(undefined, 'yuv420p10le')).toBe('yuv420p');
    expect(pixFmtFor('yuv420p', 'yuv444p')).toBe('yuv420p');
    expect(pixFmtFor('yuv420p', 'yuv420p')).toBeUndefined();
    expect(pixFmtFor('yuv420p', 'yuvj420p')).toBeUndefined();
    expect(pixFmtFor('yuv420p', undefined)).toBeUndefined();
    expect(pixFmtFor('source', 'yuv444p')).toBeUndefined();
    expect(pixFmtFor('yuv420p10le', 'yuv444p12le')).toBe('yuv420p10le');
  });

  it('refuses 10-bit with NVENC H.264, which encodes 8-bit only', () => {
    const e = refusal(() =>
      parseJobSpec({ source: 'a.mp4', model: 'lanczos-x2', encoder: { pixelFormat: 'yuv420p10le' } }),
    );
    expect(e).toBeInstanceOf(ValidationError);
    expect((e as ValidationError).issues.map((i) => i.path)).toEqual(['/encoder/pixelFormat']);
    const hevc = parseJobSpec({
      source: 'a.mp4',
      model: 'lanczos-x2',
      encoder: { codec: 'hevc_nvenc', pixelFormat: 'yuv420p10le' },
    });
    expect(decodeHostJob(prepareJob(hevc, ctx).hostJobB64).pixelFormat).toBe('yuv420p10le');
    const keep = parseJobSpec({ source: 'a.mp4', model: 'lanczos-x2', encoder: { pixelFormat: 'source' } });
    expect(decodeHostJob(prepareJob(keep, ctx).hostJobB64)).not.toHaveProperty('pixelFormat');
  });
});
