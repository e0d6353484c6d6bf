/** `@vodsr/core/models` — SR models and the FFmpeg they run: the model registry, encoder settings, filter specs and the SR argv builder. */
export * from '../encoder.js';
export * from '../ffmpegArgs.js';
export * from '../filters.js';
export * from '../models.js';
