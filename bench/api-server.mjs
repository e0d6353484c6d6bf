// Bench server: the vodsr API over the local backend (durable: libsql WAL, synchronous=FULL, group commit),
// bearer auth and rate limiting on, no workers (submissions only). Prints "listening <url>" when ready.
// Usage: node bench/api-server.mjs <dataDir> <token>
import { buildApp, LocalJobService } from '@vodsr/api';

const [dataDir, token] = process.argv.slice(2);
if (!dataDir || !token) {
  process.stderr.write('usage: api-server.mjs <dataDir> <token>\n');
  process.exit(2);
}
const service = await LocalJobService.open({ dataDir, workers: false });
const app = await buildApp({
  service,
  auth: { tokens: [token] },
  // the bench client is one client: allow it far more than the default 600/min
  rateLimit: { max: 10_000_000, timeWindowMs: 60_000 },
});
await app.listen({ host: '127.0.0.1', port: 0 });
const addr = app.server.address();
process.stdout.write(`listening http://127.0.0.1:${addr.port}\n`);
const stop = async () => {
  await app.close();
  await service.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
