import { buildHostJob, decodeHostJob, encodeHostJob, parseJobSpec } from '@vodsr/core';
import { buildSrArgs, srFilterChain } from '@vodsr/core/models';
import { describe, expect, it } from 'vitest';

// The use case's commands, verbatim (seed: Model A / Model B execution scripts).
const SEED_MODEL_A =
  'ffmpeg -y -i original_640x480_10s.mp4 -vf bdnvx_aws,bdsr_coupang_aws,noise=c0s=8:allf=t+u -c:v h264_nvenc -cq 13 -c:a copy sr_1280x960_10s.mp4';
const SEED_MODEL_B =
  'ffmpeg -y -i original_640x480_10s.mp4 -vf bdsr_coupang_aws -c:v h264_nvenc -cq 13 -c:a copy sr_1280x960_10s.mp4';

describe('buildSrArgs', () => {
  it('reproduces the Model A command of the use case token for token', () => {
    const job = parseJobSpec({
      source: 'original_640x480_10s.mp4',
      srName: 'sr_1280x960_10s.mp4',
      model: 'A',
    });
    expect(['ffmpeg', ...buildSrArgs(job)]).toEqual(SEED_MODEL_A.split(' '));
  });

  it('reproduces the Model B command of the use case token for token', () => {
    const job = parseJobSpec({
      source: 'original_640x480_10s.mp4',
      srName: 'sr_1280x960_10s.mp4',
      model: 'B',
    });
    expect(['ffmpeg', ...buildSrArgs(job)]).toEqual(SEED_MODEL_B.split(' '));
  });

  it('defaults to Model A with the NVENC settings of the use case', () => {
    const job = parseJobSpec({ source: 'original_640x480_10s.mp4', srName: 'sr_1280x960_10s.mp4' });
    expect(['ffmpeg', ...buildSrArgs(job)].join(' ')).toBe(SEED_MODEL_A);
  });

  it('renders the exec script filter bdsr_aws=scale=2 and its other scales', () => {
    expect(srFilterChain(parseJobSpec({ source: 'a.mp4', model: 'bdsr-x2' }))).toBe('bdsr_aws=scale=2');
    expect(srFilterChain(parseJobSpec({ source: 'a.mp4', model: 'bdsr-x2', scale: 4 }))).toBe(
      'bdsr_aws=scale=4',
    );
  });

  it('keeps hostile file names as single argv elements and guards option-like and protocol-like paths', () => {
    const job = parseJobSpec({
      source: '-i evil;$(touch x).mp4',
      model: 'lanczos-x2',
      encoder: { codec: 'libx264' },
    });
    const args = buildSrArgs(job, { output: 'concat:out.mp4' });
    expect(args[args.indexOf('-i') + 1]).toBe('./-i evil;$(touch x).mp4');
    expect(args.at(-1)).toBe('file:concat:out.mp4');
    expect(args).toContain('scale=w=iw*2:h=ih*2:flags=lanczos');
  });

  it('uses the CPU twin of NVENC on request (libx264, crf = cq)', () => {
    const job = parseJobSpec({ source: 'in.mp4', model: 'lanczos-x2' });
    const args = buildSrArgs(job, { cpu: true, progress: true, output: 'o.mp4' });
    expect(args.join(' ')).toBe(
      '-y -nostdin -hide_banner -nostats -progress pipe:1 -i in.mp4 -vf scale=w=iw*2:h=ih*2:flags=lanczos -c:v libx264 -crf 13 -preset veryfast -c:a copy o.mp4',
    );
  });

  it('adapts to the probed source: no audio, uncopyable audio, 10-bit input', () => {
    const job = parseJobSpec({ source: 'in.mov', model: 'B' });
    const base = { width: 640, height: 480, durationSeconds: 10 };
    expect(buildSrArgs(job, { media: { ...base, hasAudio: false } })).not.toContain('-c:a');
    const pcm = buildSrArgs(job, { media: { ...base, hasAudio: true, audioCodec: 'pcm_s16le' } });
    expect(pcm.slice(pcm.indexOf('-c:a'), pcm.indexOf('-c:a') + 4)).toEqual([
      '-c:a',
      'aac',
      '-b:a',
      '192000',
    ]);
    const tenBit = buildSrArgs(job, {
      media: { ...base, hasAudio: true, audioCodec: 'aac', pixFmt: 'yuv420p10le' },
    });
    expect(tenBit.join(' ')).toContain('-pix_fmt yuv420p -c:a copy');
  });
});

describe('host job', () => {
  it('round-trips through base64 with a hostile key, using only shell-safe characters', () => {
    const job = parseJobSpec({ source: "s3://in-bucket/a'; rm -rf / #$(id)`x`\n.mp4", output: 's3://out/' });
    const hj = buildHostJob(job, { jobId: 'j1', output: 's3://out/x.mp4' });
    const b64 = encodeHostJob(hj);
    expect(b64).toMatch(/^[A-Za-z0-9+/=]+$/);
    expect(decodeHostJob(b64)).toEqual(hj);
    expect(hj.vf).toBe('bdnvx_aws,bdsr_coupang_aws,noise=c0s=8:allf=t+u');
    expect(hj.requiredFilters).toEqual(['bdnvx_aws', 'bdsr_coupang_aws', 'noise']);
    expect(hj.cpuEncoderArgs).toEqual([
      '-c:v',
      'libx264',
      '-crf',
      '13',
      '-preset',
      'veryfast',
      '-c:a',
      'copy',
    ]);
  });

  it('rejects a malformed host job listing every problem', () => {
    const bad = Buffer.from(JSON.stringify({ v: 2, source: '' })).toString('base64');
    expect(() => decodeHostJob(bad)).toThrowError(/Invalid host job/);
    try {
      decodeHostJob(bad);
    } catch (e) {
      const paths = (e as { issues: { path: string }[] }).issues.map((i) => i.path);
      expect(paths).toEqual([
        '/v',
        '/jobId',
        '/source',
        '/output',
        '/vf',
        '/model',
        '/encoderArgs',
        '/requiredFilters',
        '/scale',
      ]);
    }
  });
});
