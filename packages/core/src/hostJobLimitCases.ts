/** What `buildHostJob` adds for the encoder limits (h264_nvenc with its HEVC switch) and the pixel format. */
const limits = {
  sizeLimit: { long: 4096, short: 4096, pixels: 16_777_216, label: 'NVENC H.264' },
  oversize: {
    encoderArgs: ['-c:v', 'hevc_nvenc', '-cq', '13', '-c:a', 'copy'],
    cpuEncoderArgs: ['-c:v', 'libx265', '-crf', '13', '-preset', 'veryfast', '-c:a', 'copy'],
    sizeLimit: { long: 8192, short: 8192, pixels: 67_108_864, label: 'NVENC HEVC' },
  },
  pixelFormat: 'yuv420p',
} as const;

/**
 * The host contract's cases for the encoder limits, the HEVC switch and the pixel format, over a valid `base` job
 * (part of `HOST_JOB_CASES` of `@vodsr/core/host-job-cases`).
 */
export function limitCases(
  base: Readonly<Record<string, unknown>>,
): { readonly name: string; readonly job: unknown; readonly paths: readonly string[] }[] {
  return [
    // ------------------------------------------------------------------ accepted
    { name: 'a size limit, the HEVC switch and a pixel format', job: { ...base, ...limits }, paths: [] },
    { name: 'a 10-bit pixel format', job: { ...base, pixelFormat: 'yuv420p10le' }, paths: [] },
    {
      name: 'a size limit without the HEVC switch (refused when bigger)',
      job: { ...base, sizeLimit: limits.sizeLimit },
      paths: [],
    },
    // ------------------------------------------------------------------ refused: limits and pixel format
    { name: 'a size limit that is not an object', job: { ...base, sizeLimit: 4096 }, paths: ['/sizeLimit'] },
    {
      name: 'a size limit without pixels',
      job: { ...base, sizeLimit: { long: 4096, short: 4096, label: 'NVENC H.264' } },
      paths: ['/sizeLimit/pixels'],
    },
    {
      name: 'a size limit with a fractional side',
      job: { ...base, sizeLimit: { ...limits.sizeLimit, long: 4096.5 } },
      paths: ['/sizeLimit/long'],
    },
    {
      name: 'a size limit label with a newline',
      job: { ...base, sizeLimit: { ...limits.sizeLimit, label: 'a\nb' } },
      paths: ['/sizeLimit/label'],
    },
    {
      name: 'an HEVC switch without its size limit',
      job: { ...base, oversize: { encoderArgs: limits.oversize.encoderArgs } },
      paths: ['/oversize/sizeLimit'],
    },
    {
      name: 'an HEVC switch that adds an output',
      job: { ...base, oversize: { ...limits.oversize, encoderArgs: ['-c:v', 'hevc_nvenc', '-f', 'null'] } },
      paths: ['/oversize/encoderArgs/2'],
    },
    {
      name: 'a number among the HEVC CPU options',
      job: { ...base, oversize: { ...limits.oversize, cpuEncoderArgs: ['-c:v', 5] } },
      paths: ['/oversize/cpuEncoderArgs/1'],
    },
    {
      name: 'an HEVC switch as a list',
      job: { ...base, oversize: ['-c:v', 'hevc_nvenc'] },
      paths: ['/oversize'],
    },
    { name: 'a pixel format not offered', job: { ...base, pixelFormat: 'yuv444p' }, paths: ['/pixelFormat'] },
  ];
}
