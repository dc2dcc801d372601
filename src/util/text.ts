// Untrusted text (names, tags, messages, excerpts of input files) goes to terminals, logs and CSV.
// safeText is the one function for it: every character that can move the cursor, start a terminal
// escape sequence (ESC, CSI, OSC), reorder text (Unicode bidi controls) or hide it (zero-width and
// other invisible characters) is shown as a visible escape instead, so nothing is forged or hidden
// and the reader still sees that something was there.

// C0, DEL, C1; soft hyphen; Arabic letter mark; Mongolian vowel separator; zero-width and
// directional marks; line/paragraph separators; bidi embeddings, overrides and isolates; invisible
// operators; BOM; interlinear annotation marks.
const UNSAFE =
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]/g;

function visible(c: string): string {
  const code = c.charCodeAt(0);
  if (c === "\n") return "\\n";
  if (c === "\t") return "\\t";
  if (c === "\r") return "\\r";
  return code < 0x100
    ? `\\x${code.toString(16).padStart(2, "0")}`
    : `\\u${code.toString(16).padStart(4, "0")}`;
}

/** Text safe for a terminal, a log line or a CSV cell: one line, no control or invisible characters. */
export function safeText(s: string): string {
  // Printable ASCII (most names and IDs) has nothing to replace: skip the regex for it.
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return s.replace(UNSAFE, visible);
  }
  return s;
}

/** safeText, cut to at most `max` characters. */
export function clip(s: string, max: number): string {
  const c = safeText(s);
  return c.length > max ? `${c.slice(0, max - 1)}…` : c;
}
