/** `@vodsr/api/remote` — the client of a vodsr API server (`--api URL`), without the server itself. */
export { HttpJobService, type HttpJobServiceOptions } from '../service/remote/HttpJobService.js';
