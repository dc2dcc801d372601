// Text from AWS (names, tags, policies, messages built from them) is untrusted: before it reaches
// any report it loses control characters, line and paragraph separators and bidirectional
// overrides (which can make "gpj.exe" read as "exe.jpg"), and is bounded in length. Renderers then
// escape it for their format.
import { clip } from "../util/text.js";

const INVISIBLE = /[\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

export const LIMITS = { id: 512, message: 1000, error: 500 } as const;

export function untrusted(s: string, max: number): string {
  return clip(s.replace(INVISIBLE, " "), max);
}
