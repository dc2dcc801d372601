// Untrusted text (names, tags, messages) goes to terminals, logs and CSV: strip control characters
// (C0, DEL, C1) so it cannot move the cursor, forge log lines or hide content.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

export function stripControl(s: string): string {
  return s.replace(CONTROL, " ");
}

export function clip(s: string, max: number): string {
  const c = stripControl(s);
  return c.length > max ? `${c.slice(0, max - 1)}…` : c;
}
