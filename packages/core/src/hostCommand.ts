import { ValidationError, type ValidationIssue } from './errors.js';
import { LEASE_PATTERN, MAX_SLOTS_PER_HOST } from './fleet.js';

/**
 * The host contract's command half:
 * `<runner> run --job-b64=<base64 HostJob> [--task-token-b64=<base64 token>] [--slot=<n> --lease=<lease>]`.
 * Built here once; the SSM document, `hostCommand()` of `@vodsr/host-scripts` and the local command runner all
 * render these words.
 */

/** The `vodsr-host` subcommand that runs one job. */
export const HOST_RUN_SUBCOMMAND = 'run';

/** A value on the host command line: a literal, or (in a shell rendering only) an environment variable. */
export type HostCommandValue = string | { readonly env: string };

/** What the host command line carries. */
export interface HostCommandParts<V extends HostCommandValue = string> {
  /** The runner, e.g. `/opt/vodsr/bin/vodsr-host`. */
  readonly runnerPath: string;
  /** Base64 of the HostJob JSON, exactly as the workflow input carries it (`hostJobB64`). */
  readonly jobB64: V;
  /** Base64 of a Step Functions task token: the runner then heartbeats and calls back. */
  readonly taskTokenB64?: V;
  /** The GPU slot the host agent reserved (with {@link HostCommandParts.lease}; both or neither). */
  readonly slot?: V | number;
  /** The reservation's lease (`LEASE_PATTERN`): the runner claims exactly that slot or refuses. */
  readonly lease?: V;
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
/** A runner path that can stand in single quotes in any shell. */
const SHELL_SAFE_PATH = /^\/[A-Za-z0-9._/-]+$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Each word of the command line as parts: literal text, or an environment variable reference. */
function hostCommandWords<V extends HostCommandValue>(p: HostCommandParts<V>): (string | V)[][] {
  const words: (string | V)[][] = [[p.runnerPath], [HOST_RUN_SUBCOMMAND], ['--job-b64=', p.jobB64]];
  if (p.taskTokenB64 !== undefined) words.push(['--task-token-b64=', p.taskTokenB64]);
  if (p.slot !== undefined) words.push(['--slot=', typeof p.slot === 'number' ? String(p.slot) : p.slot]);
  if (p.lease !== undefined) words.push(['--lease=', p.lease]);
  return words;
}

const LEASE = new RegExp(LEASE_PATTERN);
const SLOT = /^[0-9]{1,2}$/;

function valueIssues(
  path: string,
  v: HostCommandValue | undefined,
  literal: RegExp = BASE64,
  what = 'must be base64',
): ValidationIssue[] {
  if (v === undefined) return [];
  if (typeof v === 'string') return literal.test(v) ? [] : [{ path, message: what }];
  return ENV_NAME.test(v.env) ? [] : [{ path, message: 'must name an environment variable' }];
}

function slotIssues(p: HostCommandParts<HostCommandValue>): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  if ((p.slot === undefined) !== (p.lease === undefined))
    issues.push({ path: p.slot === undefined ? '/slot' : '/lease', message: 'slot and lease go together' });
  const s = p.slot;
  if (typeof s === 'object') issues.push(...valueIssues('/slot', s));
  else if (s !== undefined) {
    const text = String(s);
    if (!SLOT.test(text) || Number(text) >= MAX_SLOTS_PER_HOST)
      issues.push({ path: '/slot', message: `must be a whole number below ${MAX_SLOTS_PER_HOST}` });
  }
  issues.push(...valueIssues('/lease', p.lease, LEASE, `must match ${LEASE_PATTERN}`));
  return issues;
}

function check(p: HostCommandParts<HostCommandValue>, shell: boolean): void {
  const issues: ValidationIssue[] = [];
  const runnerOk = shell
    ? SHELL_SAFE_PATH.test(p.runnerPath) && !p.runnerPath.includes('..')
    : p.runnerPath.length > 0 && !p.runnerPath.includes('\u0000');
  if (!runnerOk) {
    issues.push({
      path: '/runnerPath',
      message: shell ? 'must be an absolute path of [A-Za-z0-9._/-] without ..' : 'must be a non-empty path',
    });
  }
  issues.push(
    ...valueIssues('/jobB64', p.jobB64),
    ...valueIssues('/taskTokenB64', p.taskTokenB64),
    ...slotIssues(p),
  );
  if (issues.length) throw new ValidationError('host command', issues);
}

/**
 * The host command as an argv array (for `spawn`, no shell). Throws `VODSR_VALIDATION` for a value that is
 * not base64.
 *
 * @example
 * hostCommandArgv({ runnerPath: '/opt/vodsr/bin/vodsr-host', jobB64: 'eyJ2IjoxfQ==' })
 * // ['/opt/vodsr/bin/vodsr-host', 'run', '--job-b64=eyJ2IjoxfQ==']
 * hostCommandArgv({ runnerPath: '/opt/vodsr/bin/vodsr-host', jobB64: 'eyJ2IjoxfQ==', slot: 1, lease: 'l-abcdefgh' })
 * // [..., '--job-b64=eyJ2IjoxfQ==', '--slot=1', '--lease=l-abcdefgh']
 */
export function hostCommandArgv(p: HostCommandParts): string[] {
  check(p, false);
  return hostCommandWords(p).map((parts) => parts.join(''));
}

/**
 * The host command as one POSIX shell line, `exec`-ing the runner (so a cancel's SIGTERM reaches it directly).
 * Literals are base64 only and the runner path is single-quoted; `{ env: 'NAME' }` renders as `"$NAME"`, which
 * is how the SSM document passes its `interpolationType: ENV_VAR` parameters. Nothing from a job is shell syntax.
 *
 * @example
 * hostShellCommand({ runnerPath: '/opt/vodsr/bin/vodsr-host', jobB64: { env: 'SSM_jobB64' } })
 * // `exec '/opt/vodsr/bin/vodsr-host' run --job-b64="$SSM_jobB64"`
 */
export function hostShellCommand(p: HostCommandParts<HostCommandValue>): string {
  check(p, true);
  // Word 0 is the runner path (single-quoted: it matched SHELL_SAFE_PATH); the others are fixed text + base64.
  const render = (part: HostCommandValue, word: number): string =>
    typeof part !== 'string' ? `"$${part.env}"` : word === 0 ? `'${part}'` : part;
  const words = hostCommandWords(p).map((parts, word) => parts.map((part) => render(part, word)).join(''));
  return ['exec', ...words].join(' ');
}
