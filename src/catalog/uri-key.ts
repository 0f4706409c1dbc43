/**
 * What two names of one file have in common, so that a client may name the playing track by the path or
 * URL it plays (`earshot stream ~/Music/a.mp3`, a web page's `file:///…/a.mp3`) and match the uri
 * `earshot catalog add` recorded: a file:// URL becomes its decoded path; anything else stays as it is
 * (http URLs and relative paths are compared as written).
 */
export function uriKey(uri: string): string {
  if (!/^file:/i.test(uri)) return uri;
  try {
    const u = new URL(uri);
    // file://host/path names another machine's file: keep it whole rather than confuse it with /path.
    if (u.host !== '' && u.host !== 'localhost') return uri;
    const p = decodeURIComponent(u.pathname);
    return /^\/[A-Za-z]:\//.test(p) ? p.slice(1) : p; // file:///C:/music/a.mp3 → C:/music/a.mp3
  } catch {
    return uri;
  }
}
