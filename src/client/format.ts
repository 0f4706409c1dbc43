/**
 * One readable line per window event, for terminals and logs (browser-safe: no Node imports):
 *   12.0–15.0 s  tags: rock 0.91, energetic 0.80 | next: Artist – Title (0.83), …
 */
import type { Suggestion, WindowEvent } from '../protocol/events';

/** Suggestions shown per line; the rest is summarised by an ellipsis (--jsonl has them all). */
export const SUGGESTIONS_PER_LINE = 3;

function suggestionName(s: Suggestion): string {
  if (s.artist && s.title) return `${s.artist} – ${s.title}`;
  return s.title || s.artist || s.id;
}

export function formatWindow(ev: WindowEvent, maxSuggestions = SUGGESTIONS_PER_LINE): string {
  const range = `${ev.t_start.toFixed(1)}–${ev.t_end.toFixed(1)} s`;
  const tags = ev.tags.length > 0 ? ev.tags.map((t) => `${t.tag} ${t.p.toFixed(2)}`).join(', ') : '-';
  const shown = ev.suggestions.slice(0, maxSuggestions).map((s) => `${suggestionName(s)} (${s.score.toFixed(2)})`);
  if (ev.suggestions.length > maxSuggestions) shown.push('…');
  const line = `${range}  tags: ${tags} | next: ${shown.length > 0 ? shown.join(', ') : '-'}`;
  if (ev.type !== 'final') return line;
  return `final ${line}  (${ev.windows} windows${ev.dropped > 0 ? `, ${ev.dropped} dropped` : ''})`;
}
