/**
 * The now-playing panel: tags of what is playing and the next-track suggestions, re-drawn on every
 * window event. Text goes in through textContent only (catalogue titles are data, not markup).
 */
import type { WindowEvent } from '../../../src/protocol';

const STYLE = `
.earshot-panel{font:14px/1.4 system-ui,sans-serif;color:#1d1d1f;background:#f6f6f8;border:1px solid #d8d8de;border-radius:8px;padding:12px 14px;max-width:460px}
.earshot-panel h3{font-size:12px;text-transform:uppercase;letter-spacing:.06em;color:#6e6e78;margin:10px 0 6px}
.earshot-status{font-size:12px;color:#6e6e78}
.earshot-tags{display:flex;flex-wrap:wrap;gap:6px}
.earshot-tag{background:#e3e8ff;color:#23308a;border-radius:10px;padding:2px 8px;font-size:12px}
.earshot-next{margin:0;padding-left:22px}
.earshot-next li{margin:2px 0}
.earshot-next .score{color:#8a8a94;font-size:12px;margin-left:6px}
`;

let styled = false;

export class Panel {
  private readonly status: HTMLElement;
  private readonly tags: HTMLElement;
  private readonly next: HTMLOListElement;

  constructor(readonly root: HTMLElement) {
    if (!styled && typeof document !== 'undefined') {
      const s = document.createElement('style');
      s.textContent = STYLE;
      document.head.appendChild(s);
      styled = true;
    }
    root.classList.add('earshot-panel');
    root.replaceChildren();
    this.status = el('div', 'earshot-status', 'listening…');
    this.tags = el('div', 'earshot-tags');
    this.next = el('ol', 'earshot-next') as HTMLOListElement;
    root.append(this.status, el('h3', '', 'Now playing'), this.tags, el('h3', '', 'Up next'), this.next);
  }

  setStatus(text: string): void {
    this.status.textContent = text;
  }

  render(e: WindowEvent, mode: string): void {
    const what = e.type === 'final' ? 'track analysed' : `${e.t_end.toFixed(1)} s heard`;
    this.setStatus(`${mode} · ${what} · ${e.windows} window${e.windows === 1 ? '' : 's'}${e.dropped ? ` · ${e.dropped} dropped` : ''}`);
    this.tags.replaceChildren(...e.tags.map((t) => el('span', 'earshot-tag', `${t.tag} ${Math.round(t.p * 100)}%`)));
    this.next.replaceChildren(
      ...e.suggestions.map((s) => {
        const li = el('li', '', `${s.artist} — ${s.title}`);
        li.title = s.id;
        li.append(el('span', 'score', s.score.toFixed(3)));
        return li;
      }),
    );
  }
}

function el(tag: string, cls: string, text?: string): HTMLElement {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}
