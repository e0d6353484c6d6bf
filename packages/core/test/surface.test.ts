import * as root from '@vodsr/core';
import * as errors from '@vodsr/core/errors';
import * as host from '@vodsr/core/host';
import * as ingest from '@vodsr/core/ingest';
import * as job from '@vodsr/core/job';
import * as models from '@vodsr/core/models';
import * as naming from '@vodsr/core/naming';
import * as workflow from '@vodsr/core/workflow';
import { describe, expect, it } from 'vitest';

const GROUPS = { errors, host, ingest, job, models, naming, workflow } as Record<
  string,
  Record<string, unknown>
>;

describe('core surface', () => {
  it('keeps the root to the most used names, each the same value as in its group', () => {
    const names = Object.keys(root);
    expect(names.length).toBeGreaterThan(15);
    expect(names.length).toBeLessThanOrEqual(30); // values only; ~15 more are types
    const homeless = names.filter(
      (n) => !Object.values(GROUPS).some((g) => g[n] === (root as Record<string, unknown>)[n]),
    );
    expect(homeless).toEqual([]);
  });

  it('puts every name in exactly one group', () => {
    const seen = new Map<string, string>();
    const twice: string[] = [];
    for (const [group, mod] of Object.entries(GROUPS)) {
      for (const n of Object.keys(mod)) {
        if (seen.has(n)) twice.push(`${n}: ${seen.get(n)} and ${group}`);
        seen.set(n, group);
      }
    }
    expect(twice).toEqual([]);
    expect(seen.get('createTriggerHandler')).toBe('ingest');
    expect(seen.get('prepareJob')).toBe('job');
    expect(seen.get('HOST_EXIT_CODES')).toBe('host');
    expect(seen.get('WORKFLOW_STATES')).toBe('workflow');
    expect(seen.get('MAX_S3_KEY_BYTES')).toBe('naming');
    expect(seen.get('ERROR_CODES')).toBe('errors');
    expect(seen.get('buildSrArgs')).toBe('models');
  });
});
