import {
  buildHostJob,
  decodeHostJob,
  encodeHostJob,
  type HostJob,
  isVodsrError,
  parseJobSpec,
  ValidationError,
} from '@vodsr/core';
import {
  HostJobSchema,
  hostCommandArgv,
  hostShellCommand,
  validateHostJob,
  vfFilterNames,
} from '@vodsr/core/host';
import { HOST_JOB_CASES } from '@vodsr/core/host-job-cases';
import { describe, expect, it } from 'vitest';

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v), 'utf8').toString('base64');

function decodeIssues(job: unknown): string[] {
  try {
    decodeHostJob(b64(job));
    return [];
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    expect(isVodsrError(e) && e.code).toBe('VODSR_VALIDATION');
    return [...new Set((e as ValidationError).issues.map((i) => i.path))];
  }
}

describe('decodeHostJob', () => {
  it('has unique case names', () => {
    const names = HOST_JOB_CASES.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
  });

  for (const c of HOST_JOB_CASES) {
    it(`${c.paths.length ? 'refuses' : 'accepts'} ${c.name}`, () => {
      expect(decodeIssues(c.job).sort()).toEqual([...c.paths].sort());
      if (c.paths.length === 0) expect(decodeHostJob(b64(c.job))).toEqual(c.job);
    });
  }

  it('refuses what is not base64 JSON, at /', () => {
    for (const s of ['', 'not base64!', Buffer.from('{"v":').toString('base64')]) {
      expect(() => decodeHostJob(s)).toThrow(/host job: \/: is not base64 JSON/);
    }
  });

  it('round-trips the job core builds for a hostile key', () => {
    const spec = parseJobSpec({ source: "s3://vin/a;$(reboot)'\n.mp4", model: 'lanczos-x2' });
    const job: HostJob = buildHostJob(spec, { jobId: 'j1', output: 's3://vout/a_sr_2x.mp4' });
    expect(decodeHostJob(encodeHostJob(job))).toEqual(job);
    expect(validateHostJob(job)).toEqual([]);
  });

  it('lists every issue with a message, in one error', () => {
    const issues = validateHostJob({ v: 1, scale: 9 });
    expect(issues).toContainEqual({ path: '/scale', message: expect.stringMatching(/8/) });
    expect(issues.map((i) => i.path)).toContain('/jobId');
  });

  it('is a JSON Schema at runtime', () => {
    expect(HostJobSchema).toMatchObject({
      type: 'object',
      properties: { scale: { type: 'integer', minimum: 1, maximum: 8 }, v: { const: 1 } },
    });
    expect(JSON.parse(JSON.stringify(HostJobSchema)).required).toContain('encoderArgs');
  });
});

describe('vfFilterNames', () => {
  it('finds filter names past labels, skips quoted text and escapes', () => {
    expect(vfFilterNames("[in]scale=w=2 [a];[a] drawtext=text='x,movie'\\,zmq,fps=30")).toEqual([
      'scale',
      'drawtext',
      'fps',
    ]);
  });
});

describe('hostCommandArgv / hostShellCommand', () => {
  it('builds the argv of vodsr-host run with --opt=value words', () => {
    expect(
      hostCommandArgv({ runnerPath: '/opt/v dir/vodsr-host', jobB64: 'eyJ2IjoxfQ==', taskTokenB64: 'dA==' }),
    ).toEqual(['/opt/v dir/vodsr-host', 'run', '--job-b64=eyJ2IjoxfQ==', '--task-token-b64=dA==']);
  });

  it('renders the SSM document line from environment variables only', () => {
    expect(
      hostShellCommand({
        runnerPath: '/opt/vodsr/bin/vodsr-host',
        jobB64: { env: 'SSM_jobB64' },
        taskTokenB64: { env: 'SSM_taskTokenB64' },
      }),
    ).toBe(
      `exec '/opt/vodsr/bin/vodsr-host' run --job-b64="$SSM_jobB64" --task-token-b64="$SSM_taskTokenB64"`,
    );
  });

  it('refuses shell syntax in any part, listing every problem', () => {
    try {
      hostShellCommand({ runnerPath: "/opt/x';reboot", jobB64: 'a b', taskTokenB64: { env: 'X;Y' } });
      expect.unreachable();
    } catch (e) {
      expect((e as ValidationError).issues.map((i) => i.path)).toEqual([
        '/runnerPath',
        '/jobB64',
        '/taskTokenB64',
      ]);
    }
    expect(() => hostCommandArgv({ runnerPath: '/x', jobB64: '$(id)' })).toThrow(/jobB64: must be base64/);
  });

  it('carries the reserved slot and its lease (pull admission), as literals or environment variables', () => {
    expect(
      hostCommandArgv({ runnerPath: '/r', jobB64: 'eyJ2IjoxfQ==', slot: '1', lease: 'lease-0001' }),
    ).toEqual(['/r', 'run', '--job-b64=eyJ2IjoxfQ==', '--slot=1', '--lease=lease-0001']);
    expect(
      hostShellCommand({
        runnerPath: '/opt/vodsr/bin/vodsr-host',
        jobB64: { env: 'SSM_jobB64' },
        taskTokenB64: { env: 'SSM_taskTokenB64' },
        slot: { env: 'SSM_slot' },
        lease: { env: 'SSM_lease' },
      }),
    ).toBe(
      `exec '/opt/vodsr/bin/vodsr-host' run --job-b64="$SSM_jobB64" --task-token-b64="$SSM_taskTokenB64" --slot="$SSM_slot" --lease="$SSM_lease"`,
    );
  });

  it('refuses a slot that is not a number, a lease off its pattern, and one without the other', () => {
    try {
      hostCommandArgv({ runnerPath: '/r', jobB64: 'eA==', slot: '1;id', lease: 'short' });
      expect.unreachable();
    } catch (e) {
      expect((e as ValidationError).issues.map((i) => i.path)).toEqual(['/slot', '/lease']);
    }
    expect(() => hostCommandArgv({ runnerPath: '/r', jobB64: 'eA==', slot: '0' })).toThrow(
      /lease: slot and lease go together/,
    );
  });
});
