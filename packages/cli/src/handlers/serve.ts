import { ValidationError } from '@vodsr/core';
import type { Io } from '../io.js';
import type { GlobalOptions } from '../options.js';
import { openService } from '../services.js';
import { guarded } from './common.js';

/** Arguments of `vodsr serve`. */
export interface ServeArgs extends GlobalOptions {
  host?: string;
  port?: number;
  /** `--no-auth`: run without tokens (loopback addresses only). */
  auth?: boolean;
  slots?: number;
  /** Local hosts of a local fleet (each with the real agent and host script); `slots` is then per host. */
  hosts?: number;
  rateLimit?: number;
  log?: boolean;
  /** Folders served jobs may read local sources from. @default the folder the server was started in */
  inputRoot?: string[];
}

/**
 * `vodsr serve`: the HTTP API over the selected backend (local: also runs the queued jobs). Runs until `signal`
 * fires (Ctrl-C / SIGTERM), then stops the workers (running jobs are reported interrupted and resume next start).
 */
export async function serveCommand(
  args: ServeArgs,
  io: Io,
  signal: AbortSignal,
  onListening?: (url: string) => void,
): Promise<number> {
  return guarded(io, args.json, async () => {
    if (args.auth !== false && (!args.token || args.token.length < 16)) {
      throw new ValidationError('serve options', [
        {
          path: '/token',
          message:
            'set a bearer token of at least 16 characters (--token or VODSR_TOKEN), or --no-auth on a loopback address',
        },
      ]);
    }
    const { createViewerRoutes, serveApi, VIEWER_PUBLIC_PREFIXES } = await import('@vodsr/api');
    const { resolve } = await import('node:path');
    const inputRoots = (args.inputRoot?.length ? args.inputRoot : [process.cwd()]).map((r) => resolve(r));
    const service = await openService({ ...args, api: undefined } as GlobalOptions, {
      workers: true,
      inputRoots,
      ...(args.slots !== undefined ? { slots: args.slots } : {}),
      ...(args.hosts !== undefined && args.hosts > 0
        ? { fleet: { hosts: args.hosts, slots: args.slots ?? 1 } }
        : {}),
    });
    try {
      const { app, url } = await serveApi({
        service,
        auth: args.auth === false ? 'disabled' : { tokens: [args.token as string] },
        host: args.host ?? '127.0.0.1',
        port: args.port ?? 8080,
        logger: args.log === true,
        extraRoutes: [createViewerRoutes()],
        publicPrefixes: VIEWER_PUBLIC_PREFIXES,
        ...(args.rateLimit !== undefined ? { rateLimit: { max: args.rateLimit, timeWindowMs: 60_000 } } : {}),
      });
      io.err(
        `vodsr API (${service.backend} backend) listening on ${url} — docs at ${url}/docs, viewer at ${url}/viewer`,
      );
      if (args.auth === false) io.err('auth is DISABLED (loopback only)');
      if (service.backend === 'local') {
        io.err(`jobs read local sources only under: ${inputRoots.join(', ')} (--input-root DIR…)`);
      }
      onListening?.(url);
      if (!signal.aborted)
        await new Promise<void>((r) => signal.addEventListener('abort', () => r(), { once: true }));
      io.err('stopping…');
      await app.close();
      return 0;
    } finally {
      await service.close();
    }
  });
}
