/** `@vodsr/core/models` — SR models and the FFmpeg they run: the model registry, encoder settings and limits, filter specs and the SR argv builder. */
export * from '../encoder.js';
export * from '../encoderLimits.js';
export * from '../ffmpegArgs.js';
export * from '../filters.js';
export * from '../models.js';
