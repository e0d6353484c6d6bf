import { decodeHostJob, parseJobSpec, prepareJob, ValidationError } from '@vodsr/core';
import { RETRYABLE_STATUSES, retryJobId, retryWorkflowInput } from '@vodsr/core/job';
import { MAX_EXECUTION_NAME, objectExecutionName } from '@vodsr/core/naming';
import { describe, expect, it } from 'vitest';

describe('retryJobId', () => {
  it('names the retry of a job, and the retry of a retry, deterministically', () => {
    const id = objectExecutionName('in', 'movies/a.mp4', '"abc"');
    expect(retryJobId(id)).toBe(`${id}-r1`);
    expect(retryJobId(`${id}-r1`)).toBe(`${id}-r2`);
    expect(retryJobId(`${id}-r9`)).toBe(`${id}-r10`);
    expect(retryJobId(id)).toBe(retryJobId(id));
    // an execution someone else named (the AWS backend reads names with dots too)
    expect(retryJobId('ingest.v2-0123456789abcdef0123456789abcdef')).toBe(
      'ingest.v2-0123456789abcdef0123456789abcdef-r1',
    );
    // a local job's random id (32 hex)
    expect(retryJobId('0123456789abcdef0123456789abcdef')).toBe('0123456789abcdef0123456789abcdef-r1');
  });

  it('keeps a long name within 80 characters by shortening its readable part, never its hash', () => {
    const id = objectExecutionName('in', `${'x'.repeat(200)}.mp4`, '"abc"');
    expect(id).toHaveLength(MAX_EXECUTION_NAME);
    const hash = id.slice(-32);
    let cur = id;
    for (const n of [1, 2, 10]) {
      while (!cur.endsWith(`-r${n}`)) cur = retryJobId(cur);
      expect(cur.length).toBeLessThanOrEqual(MAX_EXECUTION_NAME);
      expect(cur).toMatch(new RegExp(`^x+-${hash}-r${n}$`));
    }
  });

  it('refuses what is not a job id', () => {
    for (const bad of ['', 'a/b', 'x'.repeat(81), 'a b'])
      expect(() => retryJobId(bad)).toThrow(ValidationError);
  });
});

describe('retryWorkflowInput', () => {
  it('is the original input under the new id, in the host job too, from its first placement attempt', () => {
    const input = prepareJob(parseJobSpec({ source: 's3://in-bucket/a.mp4', model: 'A' }), {
      jobId: 'a_mp4-0123456789abcdef0123456789abcdef',
      outputRoot: 's3://out-bucket/',
    });
    const tried = { ...input, attempt: { number: 3 } };
    const id = retryJobId(input.jobId);
    const retry = retryWorkflowInput(tried, id);
    expect(retry.jobId).toBe(id);
    expect(retry.attempt).toEqual({ number: 1 });
    const { jobId: newId, ...hostJob } = decodeHostJob(retry.hostJobB64);
    const { jobId: oldId, ...original } = decodeHostJob(input.hostJobB64);
    expect([oldId, newId]).toEqual([input.jobId, id]);
    expect(hostJob).toEqual(original);
    const { jobId: _a, hostJobB64: _b, attempt: _c, ...rest } = retry;
    const { jobId: _d, hostJobB64: _e, attempt: _f, ...before } = input;
    expect(rest).toEqual(before);
    expect(RETRYABLE_STATUSES).toEqual(['failed', 'cancelled']);
  });
});
