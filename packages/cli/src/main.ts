import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { VodsrError } from '@vodsr/core/errors';
import yargs, { type Argv } from 'yargs';
import { COMMANDS } from './commands/index.js';
import type { GlobalOptions } from './options.js';

/** The config file read when present and no `--config` is given. */
export const DEFAULT_CONFIG_FILE = 'vodsr.config.json';

const EPILOGUE = [
  'Configuration: flags, then VODSR_* environment variables (VODSR_BACKEND, VODSR_API, VODSR_TOKEN, ' +
    'VODSR_DATA_DIR, VODSR_OUTPUT_DIR, VODSR_STATE_MACHINE_ARN, VODSR_AWS_OUTPUT, VODSR_REGION, VODSR_FLEET_GROUP, VODSR_INTERACTIVE_QUEUE_URL, VODSR_BULK_QUEUE_URL), ' +
    `then the JSON config file (--config, default ./${'vodsr.config.json'}), e.g. {"backend":"aws","region":"us-east-1"}. ` +
    'Other VODSR_* variables are ignored. "--" ends the options: vodsr run -- -clip.mp4',
  'Exit codes: 0 ok | 1 job failed or unexpected error | 2 invalid input | 3 no such job | 4 conflict (job ' +
    'already final, idempotency key reused) | 5 backend unavailable (auth, rate limit, AWS/network) | 6 job ' +
    'cancelled | 7 job interrupted (worker died; re-queued) | 130 Ctrl-C.',
  'Locally there are no Bluewhale filters: vodsr runs an open model (lanczos-x2, stock FFmpeg) and says so.',
].join('\n\n');

/** This package's version (`vodsr --version`), read through its own package.json (right from `src/`, `dist/` and the bundle). */
export const VERSION = (createRequire(import.meta.url)('@vodsr/cli/package.json') as { version: string })
  .version;

/** The `VODSR_*` environment variables vodsr reads, and the option each one sets. */
export const ENV_OPTIONS: Readonly<Record<string, string>> = {
  VODSR_BACKEND: 'backend',
  VODSR_API: 'api',
  VODSR_TOKEN: 'token',
  VODSR_DATA_DIR: 'data-dir',
  VODSR_OUTPUT_DIR: 'output-dir',
  VODSR_STATE_MACHINE_ARN: 'state-machine-arn',
  VODSR_AWS_OUTPUT: 'aws-output',
  VODSR_REGION: 'region',
  VODSR_FLEET_GROUP: 'fleet-group',
  VODSR_INTERACTIVE_QUEUE_URL: 'interactive-queue-url',
  VODSR_BULK_QUEUE_URL: 'bulk-queue-url',
  VODSR_CONFIG: 'config',
};

const camel = (kebab: string): string => kebab.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/**
 * Drops what yargs' `.env('VODSR')` made of a `VODSR_*` variable that is not in `ENV_OPTIONS` (e.g.
 * `VODSR_API_TOKEN`, `VODSR_NO_INSTALL` of the scripts): strict mode would otherwise fail every command with
 * "Unknown argument: apiToken". Flags of the same name on the command line are kept.
 */
function dropUnknownEnv(argv: Record<string, unknown>, given: ReadonlySet<string>): void {
  for (const name of Object.keys(process.env)) {
    if (!name.startsWith('VODSR_') || name in ENV_OPTIONS) continue;
    const kebab = name.slice('VODSR_'.length).toLowerCase().replace(/_/g, '-');
    if (given.has(kebab)) continue;
    delete argv[kebab];
    delete argv[camel(kebab)];
  }
}

/** The option names on the command line (`--name`, `--name=v`, `--no-name`), before any `--`. */
function givenOptions(args: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const a of args) {
    const m = /^--(?:no-)?([^=]+)/.exec(a);
    if (m?.[1]) out.add(m[1].replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`));
  }
  return out;
}

/** Stands in for an argument after `--` until yargs has assigned positionals (it only sees them later). */
const PLACEHOLDER = '\u0000vodsr-arg-';

function readConfig(path: string): Record<string, unknown> {
  const v = JSON.parse(readFileSync(path, 'utf8')) as unknown;
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new VodsrError('VODSR_INVALID_CONFIG', `${path}: must be a JSON object`, { details: { path } });
  return v as Record<string, unknown>;
}

/**
 * Builds the `vodsr` parser (yargs): global options, env vars (`VODSR_*`), config file, and the commands of
 * `COMMANDS`. Parsing runs a command's handler, which lazy-imports its implementation.
 *
 * @example await buildCli(['models', '--json']).parseAsync();
 */
export function buildCli(argv: readonly string[], cwd = process.cwd()): Argv<GlobalOptions> {
  // `--` ends the options: what follows is positional even when it starts with `-` (`vodsr run -- -i.mp4`).
  // yargs assigns `<input>` before it looks past `--`, so those arguments go in as placeholders, put back below.
  const dd = argv.indexOf('--');
  const head = dd < 0 ? [...argv] : argv.slice(0, dd);
  const tail = dd < 0 ? [] : argv.slice(dd + 1);
  const given = givenOptions(head);
  const restore = (v: unknown): unknown => {
    if (typeof v === 'string' && v.startsWith(PLACEHOLDER)) return tail[Number(v.slice(PLACEHOLDER.length))];
    return Array.isArray(v) ? v.map(restore) : v;
  };
  let y = yargs([...head, ...tail.map((_, i) => `${PLACEHOLDER}${i}`)])
    .scriptName('vodsr')
    .usage(
      '$0 <command> [options]\n\nVideo super-resolution jobs: locally (embedded), on AWS, or through a vodsr API.',
    )
    .env('VODSR')
    // `--help.mp4` is an (unknown) option named `help.mp4`, never `--help`.
    .parserConfiguration({ 'dot-notation': false })
    .middleware((a) => {
      dropUnknownEnv(a as Record<string, unknown>, given);
      for (const [k, v] of Object.entries(a)) (a as Record<string, unknown>)[k] = restore(v);
    }, true)
    .option('backend', {
      alias: 'b',
      choices: ['local', 'aws', 'api'] as const,
      describe:
        'Where jobs live: local (embedded DB + in-process workflow), aws (Step Functions), api (--api URL)',
    })
    .option('api', { type: 'string', describe: 'Base URL of a vodsr API (selects backend "api")' })
    .option('token', { type: 'string', describe: 'Bearer token (API client and `serve`)' })
    .option('data-dir', {
      type: 'string',
      describe: 'Local backend: database and scratch folder (default .vodsr)',
    })
    .option('output-dir', { type: 'string', describe: 'Local backend: output folder (default vodsr-out)' })
    .option('state-machine-arn', { type: 'string', describe: 'AWS backend: the vodsr state machine' })
    .option('aws-output', {
      type: 'string',
      describe: 'AWS backend: default output root s3://bucket/prefix/',
    })
    .option('region', { type: 'string', describe: 'AWS region' })
    .option('fleet-group', {
      type: 'string',
      describe: "AWS backend: the hosts' Auto Scaling group (stack output FleetGroupName), for `fleet`",
    })
    .option('interactive-queue-url', {
      type: 'string',
      describe: 'AWS backend: stack output InteractiveQueueUrl',
    })
    .option('bulk-queue-url', { type: 'string', describe: 'AWS backend: stack output BulkQueueUrl' })
    .config('config', `JSON config file (default ./${DEFAULT_CONFIG_FILE} when present)`, readConfig)
    .group(
      [
        'backend',
        'api',
        'token',
        'data-dir',
        'output-dir',
        'state-machine-arn',
        'aws-output',
        'region',
        'fleet-group',
        'interactive-queue-url',
        'bulk-queue-url',
        'config',
      ],
      'Backend options:',
    ) as unknown as Argv<GlobalOptions>;
  const defaultConfig = `${cwd}/${DEFAULT_CONFIG_FILE}`;
  if (!argv.includes('--config') && existsSync(defaultConfig)) y = y.config(readConfig(defaultConfig));
  for (const c of COMMANDS) y = y.command(c);
  return skipHelpCache(
    y
      .demandCommand(1, 'Give a command (vodsr --help lists them)')
      .recommendCommands()
      .strict()
      .help()
      .alias('h', 'help')
      .version('version', 'Show the vodsr version', VERSION)
      .alias('v', 'version')
      .completion('completion', 'Print a bash/zsh completion script (vodsr completion >> ~/.bashrc)')
      // Examples as `# what` then the command, each on its own lines: yargs' two-column layout caps the command
      // at half the width and breaks it mid-way.
      .example('# upscale + HLS here, prints where the SR file and the master playlist are', '')
      .example('$0 run clip.mp4', '')
      .example('# the HTTP API on 127.0.0.1:8080 (docs at /docs)', '')
      .example('$0 serve --token "$TOKEN"', '')
      .example('# start a Step Functions execution (VODSR_STATE_MACHINE_ARN, VODSR_AWS_OUTPUT set)', '')
      .example('$0 submit s3://my-videos-in/a.mp4 -b aws', '')
      .epilogue(EPILOGUE)
      // Wrapped to the terminal only when help is asked for: yargs renders a command's help on every run (to
      // cache it), and wrapping is most of that cost; vodsr never shows that cached help (see `.fail`).
      .wrap(head.includes('--help') || head.includes('-h') ? terminalWidth() : null)
      .fail((msg, err) => {
        // A `.check()` that returns its message passes it as `err` too: that is usage, not a crash.
        if (err && typeof err !== 'string') throw err;
        const hint = head.some((x) => /^-[^=]*\.[A-Za-z0-9]+$/.test(x))
          ? '\nA file name that starts with "-" goes after "--", e.g. vodsr run -- --help.mp4'
          : '';
        process.stderr.write(`error: ${msg}${hint}\nRun "vodsr --help" for usage.\n`);
        process.exit(2);
      }),
  );
}

interface YargsUsage {
  cacheHelpMessage(): void;
}

/**
 * yargs renders the running command's whole help right after starting its handler (`cacheHelpMessage`), to print it
 * should the handler fail. vodsr's `.fail` never prints that help, and rendering it is ~20 ms of every command,
 * on a job's critical path (before `vodsr run` starts its host). The usage object is yargs' own (17.x); when a
 * version has none, nothing changes.
 */
function skipHelpCache<T>(y: Argv<T>): Argv<T> {
  const internal = (y as unknown as { getInternalMethods?: () => { getUsageInstance?: () => YargsUsage } })
    .getInternalMethods;
  const usage = internal?.call(y).getUsageInstance?.();
  if (usage) usage.cacheHelpMessage = () => undefined;
  return y;
}

/** The terminal's width, or $COLUMNS, or 80 (a pipe has no width). */
function terminalWidth(): number {
  return process.stdout.columns || Number(process.env.COLUMNS) || 80;
}

/** Runs `vodsr` with these arguments. */
export async function main(argv: readonly string[]): Promise<void> {
  await buildCli(argv).parseAsync();
}
