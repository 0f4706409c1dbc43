/**
 * Frames between a stream's windows for a hop in seconds. With a streaming pair (docs/bundle.md) the hop
 * is a whole number of trunk strides S, so that every regular window starts on the trunk's grid and only
 * its new frames go through the convolutions: hop 1 s = 43.07 frames → 5 strides of 8 = 40 frames
 * (0.929 s at 22,050 Hz / 512). A hop of exactly one window (the default analysis hop: the paper's
 * non-overlapping windows) is kept as it is. Shared by live streams and offline analysis, so both cut the
 * same windows for the same hop.
 */
export function hopFrames(hopS: number, frameS: number, strideFrames: number, windowFrames: number): number {
  const frames = Math.max(1, Math.round(hopS / frameS));
  if (strideFrames <= 1 || frames === windowFrames) return frames;
  return strideFrames * Math.max(1, Math.round(hopS / frameS / strideFrames));
}
