// Clipping untrusted text for messages, as src/util/text.ts does, without its scan where it is a no-op.
import { clip } from "../util/text.js";

/**
 * `clip(s, max)`; short printable ASCII (most names and IDs) is returned as is without the
 * unsafe-character scan, which has nothing to replace in it.
 */
export function clipText(s: string, max: number): string {
  if (s.length > max) return clip(s, max);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return clip(s, max);
  }
  return s;
}
