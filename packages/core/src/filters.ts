import { VodsrError } from './errors.js';

/** One FFmpeg filter as data: a name and its options (named, positional, or none). */
export interface FilterSpec {
  /** Filter name as listed by `ffmpeg -filters`, e.g. `scale`, `bdsr_aws`. */
  readonly name: string;
  /** Named options (`key=value`, joined with `:`) or positional values. */
  readonly options?: Readonly<Record<string, string | number | boolean>> | readonly (string | number)[];
}

const FILTER_NAME = /^[A-Za-z0-9_]+$/;
const OPTION_KEY = /^[A-Za-z0-9_]+$/;
const PLAIN_VALUE = /^[A-Za-z0-9_.+\-*/]*$/;

/**
 * Escapes one option value for an FFmpeg filtergraph passed as ONE argv element (no shell).
 * Level 1 (option value): `\`, `'` and `:` are backslash-escaped.
 * Level 2 (filtergraph): `\`, `'`, `[`, `]`, `,` and `;` are backslash-escaped.
 *
 * @example escapeFilterValue('a:b,c') === String.raw`a\\:b\,c`
 */
export function escapeFilterValue(value: string): string {
  if (PLAIN_VALUE.test(value)) return value;
  const level1 = value.replace(/[\\':]/g, (c) => `\\${c}`);
  return level1.replace(/[\\'[\],;]/g, (c) => `\\${c}`);
}

function renderValue(v: string | number | boolean): string {
  if (typeof v === 'number') {
    if (!Number.isFinite(v))
      throw new VodsrError('VODSR_INVALID_FILTER', `Filter option value ${v} is not finite`);
    return String(v);
  }
  if (typeof v === 'boolean') return v ? '1' : '0';
  return escapeFilterValue(v);
}

/** Checks a filter's name and option keys; throws `VODSR_INVALID_FILTER` naming the problem. */
export function assertValidFilter(f: FilterSpec): void {
  if (!FILTER_NAME.test(f.name)) {
    throw new VodsrError(
      'VODSR_INVALID_FILTER',
      `Invalid filter name ${JSON.stringify(f.name)} (letters, digits, _)`,
      {
        details: { name: f.name },
      },
    );
  }
  if (f.options && !Array.isArray(f.options)) {
    for (const key of Object.keys(f.options)) {
      if (!OPTION_KEY.test(key)) {
        throw new VodsrError(
          'VODSR_INVALID_FILTER',
          `Invalid option name ${JSON.stringify(key)} on filter ${f.name}`,
          {
            details: { name: f.name, option: key },
          },
        );
      }
    }
  }
}

/**
 * Renders one filter: `name`, `name=k=v:k2=v2` or `name=v1:v2`.
 *
 * @example renderFilter({ name: 'noise', options: { c0s: 8, allf: 't+u' } }) === 'noise=c0s=8:allf=t+u'
 */
export function renderFilter(f: FilterSpec): string {
  assertValidFilter(f);
  const opts = f.options;
  if (!opts) return f.name;
  const parts = Array.isArray(opts)
    ? opts.map((v) => renderValue(v))
    : Object.entries(opts as Record<string, string | number | boolean>).map(
        ([k, v]) => `${k}=${renderValue(v)}`,
      );
  return parts.length ? `${f.name}=${parts.join(':')}` : f.name;
}

/**
 * Renders a linear filter chain for `-vf`.
 *
 * @example renderFilterChain([{ name: 'bdnvx_aws' }, { name: 'bdsr_coupang_aws' }]) === 'bdnvx_aws,bdsr_coupang_aws'
 */
export function renderFilterChain(filters: readonly FilterSpec[]): string {
  return filters.map(renderFilter).join(',');
}
