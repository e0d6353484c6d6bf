import { existsSync, readFileSync } from 'node:fs';
import { VodsrError } from '@vodsr/core';
import yargs, { type Argv } from 'yargs';
import { COMMANDS } from './commands/index.js';
import type { GlobalOptions } from './options.js';

/** The config file read when present and no `--config` is given. */
export const DEFAULT_CONFIG_FILE = 'vodsr.config.json';

const EPILOGUE = [
  'Configuration: flags, then VODSR_* environment variables (VODSR_BACKEND, VODSR_API, VODSR_TOKEN, ' +
    'VODSR_DATA_DIR, VODSR_OUTPUT_DIR, VODSR_STATE_MACHINE_ARN, VODSR_INSTANCE_ID, VODSR_AWS_OUTPUT, VODSR_REGION), ' +
    `then the JSON config file (--config, default ./${'vodsr.config.json'}), e.g. {"backend":"aws","region":"us-east-1"}.`,
  'Exit codes: 0 ok | 1 job failed or unexpected error | 2 invalid input | 3 no such job | 4 conflict (job ' +
    'already final, idempotency key reused) | 5 backend unavailable (auth, rate limit, AWS/network) | 6 job ' +
    'cancelled | 7 job interrupted (worker died; re-queued) | 130 Ctrl-C.',
  'Locally there are no Bluewhale filters: vodsr runs an open model (lanczos-x2, stock FFmpeg) and says so.',
].join('\n\n');

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
  let y = yargs([...argv])
    .scriptName('vodsr')
    .usage(
      '$0 <command> [options]\n\nVideo super-resolution jobs: locally (embedded), on AWS, or through a vodsr API.',
    )
    .env('VODSR')
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
    .option('instance-id', { type: 'string', describe: 'AWS backend: the GPU host (Bluewhale AMI)' })
    .option('aws-output', {
      type: 'string',
      describe: 'AWS backend: default output root s3://bucket/prefix/',
    })
    .option('region', { type: 'string', describe: 'AWS region' })
    .config('config', `JSON config file (default ./${DEFAULT_CONFIG_FILE} when present)`, readConfig)
    .group(
      [
        'backend',
        'api',
        'token',
        'data-dir',
        'output-dir',
        'state-machine-arn',
        'instance-id',
        'aws-output',
        'region',
        'config',
      ],
      'Backend options:',
    ) as unknown as Argv<GlobalOptions>;
  const defaultConfig = `${cwd}/${DEFAULT_CONFIG_FILE}`;
  if (!argv.includes('--config') && existsSync(defaultConfig)) y = y.config(readConfig(defaultConfig));
  for (const c of COMMANDS) y = y.command(c);
  return y
    .demandCommand(1, 'Give a command (vodsr --help lists them)')
    .recommendCommands()
    .strict()
    .help()
    .alias('h', 'help')
    .version(false)
    .example('$0 run clip.mp4', 'upscale + HLS here, prints where the SR file and the master playlist are')
    .example('$0 serve --token "$TOKEN"', 'the HTTP API on 127.0.0.1:8080 (docs at /docs)')
    .example('$0 submit s3://in/a.mp4 -b aws', 'start a Step Functions execution')
    .epilogue(EPILOGUE)
    .wrap(Math.min(120, process.stdout.columns || 100))
    .fail((msg, err) => {
      if (err) throw err;
      process.stderr.write(`error: ${msg}\nRun "vodsr --help" for usage.\n`);
      process.exit(2);
    });
}

/** Runs `vodsr` with these arguments. */
export async function main(argv: readonly string[]): Promise<void> {
  await buildCli(argv).parseAsync();
}
