/**
 * A song's form: intro, verses, choruses and a bridge laid out in bars over the clip, so that
 * 3-second windows of one song differ (drums drop out in the intro and bridge, the chorus is denser
 * and brighter). Drawn from its own stream so truth.json can state it without rendering the audio.
 */
import { deriveSeed, mulberry32 } from './random';

export type SectionName = 'intro' | 'verse' | 'chorus' | 'bridge';

export interface Section {
  name: SectionName;
  startBar: number;
  bars: number;
  /** Where it sits in the clip (s), clipped to the clip's length. */
  startS: number;
  endS: number;
}

export interface Timing {
  /** 16th-note step (samples at WORLD_RATE_HZ, fractional). */
  stepSamples: number;
  stepsPerBar: number;
  barSeconds: number;
}

export function timing(tempoBpm: number, meter: 3 | 4, rateHz: number): Timing {
  const stepSeconds = 60 / tempoBpm / 4;
  return { stepSamples: stepSeconds * rateHz, stepsPerBar: 4 * meter, barSeconds: stepSeconds * 4 * meter };
}

/** Lays sections over ceil(clipSeconds / bar) bars: intro (sometimes skipped), then verse/chorus pairs with a bridge. */
export function songForm(renderSeed: number, t: Timing, clipSeconds: number): Section[] {
  const rand = mulberry32(deriveSeed(renderSeed, 2));
  const totalBars = Math.ceil(clipSeconds / t.barSeconds);
  // Phrases of 4 bars at fast tempos, 2 bars when a bar is long, so a 30-s clip holds 3-6 sections.
  const phrase = t.barSeconds < 2.2 ? 4 : 2;
  const order: SectionName[] = rand() < 0.75 ? ['intro'] : [];
  order.push('verse', 'chorus', 'verse', 'chorus', 'bridge', 'chorus', 'chorus', 'chorus');
  const sections: Section[] = [];
  let bar = 0;
  for (const name of order) {
    if (bar >= totalBars) break;
    const bars = Math.min(name === 'intro' ? Math.max(1, phrase / 2) : phrase, totalBars - bar);
    sections.push({ name, startBar: bar, bars, startS: bar * t.barSeconds, endS: Math.min(clipSeconds, (bar + bars) * t.barSeconds) });
    bar += bars;
  }
  return sections;
}
