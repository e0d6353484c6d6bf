import { execFileSync } from 'node:child_process';
import { getModel, JOB_STATUSES, listModels, parseJobSpec, transition, ValidationError } from '@vodsr/core';
import { executionTimeoutSeconds } from '@vodsr/core/host';
import { canTransition, JOB_TRANSITIONS } from '@vodsr/core/job';
import { escapeFilterValue, renderFilter, renderFilterChain } from '@vodsr/core/models';
import { describe, expect, it } from 'vitest';

describe('SR model registry', () => {
  it('holds the use case models value for value, marked as Bluewhale', () => {
    expect(renderFilterChain(getModel('A').filters(2))).toBe(
      'bdnvx_aws,bdsr_coupang_aws,noise=c0s=8:allf=t+u',
    );
    expect(renderFilterChain(getModel('B').filters(2))).toBe('bdsr_coupang_aws');
    expect(renderFilterChain(getModel('bdsr-x2').filters(2))).toBe('bdsr_aws=scale=2');
    expect(getModel('A').requiredFilters).toEqual(['bdnvx_aws', 'bdsr_coupang_aws', 'noise']);
    expect(
      listModels()
        .filter((m) => m.requiresBluewhale)
        .map((m) => m.id),
    ).toEqual(['A', 'B', 'bdsr-x2']);
  });

  it('has open models that stock FFmpeg runs, producing 2x frames', () => {
    for (const m of listModels().filter((x) => !x.requiresBluewhale)) {
      const out = execFileSync('ffprobe', [
        '-v',
        'error',
        '-f',
        'lavfi',
        '-i',
        `testsrc2=s=64x48:d=0.1,${renderFilterChain(m.filters(2))}`,
        '-show_entries',
        'stream=width,height',
        '-of',
        'csv=p=0',
      ])
        .toString()
        .trim();
      expect(out, m.id).toBe('128,96');
    }
  });

  it('throws a coded error listing the known ids for an unknown model', () => {
    expect(() => getModel('Z')).toThrow(/Unknown SR model "Z". Known models: A, B, bdsr-x2/);
    expect(() => getModel('toString')).toThrow(expect.objectContaining({ code: 'VODSR_UNKNOWN_MODEL' }));
  });
});

describe('filter rendering', () => {
  it('escapes option values at both filtergraph levels', () => {
    expect(escapeFilterValue('t+u')).toBe('t+u');
    expect(escapeFilterValue('a:b')).toBe(String.raw`a\\:b`);
    expect(escapeFilterValue("it's,[x];")).toBe("it\\\\\\'s\\,\\[x\\]\\;");
    expect(renderFilter({ name: 'pad', options: [640, 480] })).toBe('pad=640:480');
  });

  it('produces filtergraphs FFmpeg parses as intended', () => {
    // An expression with commas survives as ONE option value: every frame keeps its own timestamp.
    const vf = renderFilterChain([
      { name: 'setpts', options: { expr: 'if(eq(N,0),PTS,PTS)' } },
      { name: 'null' },
    ]);
    expect(vf).toBe('setpts=expr=if(eq(N\\,0)\\,PTS\\,PTS),null');
    const frames = execFileSync('ffprobe', [
      '-v',
      'error',
      '-f',
      'lavfi',
      '-i',
      `testsrc2=s=32x32:r=10:d=0.5,${vf}`,
      '-count_frames',
      '-show_entries',
      'stream=nb_read_frames',
      '-of',
      'csv=p=0',
    ])
      .toString()
      .trim();
    expect(frames).toBe('5');
  });

  it('rejects filter names and option keys that could break out of the graph', () => {
    expect(() => renderFilter({ name: 'scale,movie=/etc/passwd' })).toThrow(
      expect.objectContaining({ code: 'VODSR_INVALID_FILTER' }),
    );
    expect(() => renderFilter({ name: 'scale', options: { 'w=1:h': 2 } })).toThrow(/Invalid option name/);
  });
});

describe('parseJobSpec', () => {
  it('fills the defaults of the use case', () => {
    const job = parseJobSpec({
      source: 's3://bluewhale-ami-sample/apink_10s.mp4',
      output: 's3://bluewhale-ami-sample-sr/',
    });
    expect(job).toEqual({
      source: 's3://bluewhale-ami-sample/apink_10s.mp4',
      output: 's3://bluewhale-ami-sample-sr/',
      srName: 'apink_10s_sr_2x.mp4',
      model: 'A',
      scale: 2,
      encoder: { codec: 'h264_nvenc', cq: 13, audio: 'copy', audioBitrate: 192000, cpuFallback: true },
      packaging: { preset: 'hls-single', segmentSeconds: 10 },
      srFile: true,
      metadata: {},
    });
  });

  it('reports every problem at once with its path', () => {
    let err: ValidationError | undefined;
    try {
      parseJobSpec({ source: '', scale: 9, encoder: { codec: 'vp9', cq: 99 }, extra: 1 });
    } catch (e) {
      err = e as ValidationError;
    }
    expect(err).toBeInstanceOf(ValidationError);
    expect(err?.code).toBe('VODSR_VALIDATION');
    const paths = err?.issues.map((i) => i.path) ?? [];
    expect(paths).toEqual(expect.arrayContaining(['/source', '/scale', '/encoder/codec', '/extra']));
    expect(err?.issues.find((i) => i.path === '/encoder/codec')?.message).toBe(
      'must be one of "h264_nvenc", "hevc_nvenc", "libx264", "libx265"',
    );
  });

  it('checks semantics: model, scale, custom filters, locations, srName', () => {
    const issuesOf = (input: unknown) => {
      try {
        parseJobSpec(input);
        return [];
      } catch (e) {
        return (e as ValidationError).issues.map((i) => `${i.path} ${i.message}`);
      }
    };
    expect(issuesOf({ source: 'a.mp4', model: 'nope' })[0]).toMatch(/^\/model Unknown SR model "nope"/);
    expect(issuesOf({ source: 'a.mp4', model: 'A', scale: 4 })).toEqual([
      '/scale model A supports scale 2, not 4',
    ]);
    expect(issuesOf({ source: 'a.mp4', model: 'custom' })).toEqual([
      '/filters model "custom" needs a filter chain',
    ]);
    expect(issuesOf({ source: 's3://in-bucket/', srName: '../x' })).toEqual([
      '/source must name an object, not a prefix',
      '/srName must be a file name (no "/", not "." or "..")',
    ]);
    expect(
      issuesOf({
        source: 'a.mp4',
        model: 'custom',
        scale: 2,
        filters: [{ name: 'scale', options: { w: 'iw*2', h: 'ih*2' } }],
      }),
    ).toEqual([]);
    expect(issuesOf(null)).toEqual(['/ must be a JSON object']);
  });
});

describe('job lifecycle', () => {
  it('walks the happy path and rejects illegal moves with the allowed targets', () => {
    let s = transition('queued', 'running');
    s = transition(s, 'upscaling');
    s = transition(s, 'packaging');
    expect(transition(s, 'succeeded')).toBe('succeeded');
    expect(() => transition('succeeded', 'running')).toThrow(
      'A job cannot go from "succeeded" to "running" (allowed: none, it is final)',
    );
    expect(() => transition('queued', 'packaging')).toThrow(
      expect.objectContaining({ code: 'VODSR_ILLEGAL_TRANSITION' }),
    );
  });

  it('lets an interrupted job be re-queued, and every non-final state fail or be cancelled', () => {
    expect(canTransition('upscaling', 'interrupted')).toBe(true);
    expect(canTransition('interrupted', 'queued')).toBe(true);
    for (const s of JOB_STATUSES) {
      const final = JOB_TRANSITIONS[s].length === 0;
      expect(canTransition(s, 'cancelled')).toBe(!final);
      expect(canTransition(s, 'failed')).toBe(!final);
    }
  });
});

describe('executionTimeoutSeconds', () => {
  it('derives the SSM timeout from the duration within 1 h and 48 h', () => {
    expect(executionTimeoutSeconds(undefined)).toBe(3600);
    expect(executionTimeoutSeconds(10)).toBe(3600);
    expect(executionTimeoutSeconds(3600)).toBe(3600 * 4 + 900);
    expect(executionTimeoutSeconds(36_000 * 10)).toBe(172_800);
  });
});
