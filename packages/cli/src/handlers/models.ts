import { listModels } from '@vodsr/core';
import { table } from '../format.js';
import type { Io } from '../io.js';
import { guarded } from './common.js';

/** `vodsr models`: the SR models, and whether this machine's FFmpeg can run each. */
export async function modelsCommand(args: { json?: boolean }, io: Io): Promise<number> {
  return guarded(io, args.json, async () => {
    const { listFfmpegFilters } = await import('@vodsr/api/local');
    const filters = await listFfmpegFilters();
    const models = listModels().map((m) => ({
      id: m.id,
      label: m.label,
      engine: m.engine,
      requiresBluewhale: m.requiresBluewhale,
      scales: [...m.scales],
      requiredFilters: [...m.requiredFilters],
      availableHere: m.requiredFilters.every((f) => filters.has(f)),
    }));
    if (args.json) io.out(JSON.stringify({ models }, null, 2));
    else {
      io.out(
        table([
          ['ID', 'ENGINE', 'SCALES', 'HERE', 'LABEL'],
          ...models.map((m) => [m.id, m.engine, m.scales.join(','), m.availableHere ? 'yes' : 'no', m.label]),
        ]),
      );
      if (!models.some((m) => m.requiresBluewhale && m.availableHere))
        io.err('Bluewhale filters not found on this machine: its models run only on the Bluewhale AMI.');
    }
    return 0;
  });
}
