import type { CommandModule } from 'yargs';
import type { GlobalOptions } from '../options.js';
import { backfillModule } from './backfill.js';
import { cancelModule } from './cancel.js';
import { devModule } from './dev.js';
import { estimateModule } from './estimate.js';
import { fleetModule } from './fleet.js';
import { hostCommandModule } from './hostCommand.js';
import { listModule } from './list.js';
import { modelsModule } from './models.js';
import { presetsModule } from './presets.js';
import { retryModule } from './retry.js';
import { runModule } from './run.js';
import { serveModule } from './serve.js';
import { statusModule } from './status.js';
import { submitModule } from './submit.js';
import { watchModule } from './watch.js';

/**
 * Every `vodsr` command, in `--help` order: the one place commands are registered (add new ones, e.g. `dev`, here).
 * Each module imports its handler only when it runs, so `vodsr --help` stays fast.
 */
export const COMMANDS: ReadonlyArray<CommandModule<GlobalOptions, never>> = [
  runModule,
  submitModule,
  statusModule,
  listModule,
  watchModule,
  cancelModule,
  retryModule,
  backfillModule,
  estimateModule,
  modelsModule,
  presetsModule,
  hostCommandModule,
  serveModule,
  devModule,
  fleetModule,
] as unknown as ReadonlyArray<CommandModule<GlobalOptions, never>>;
