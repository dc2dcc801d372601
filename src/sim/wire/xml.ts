// A tiny XML builder for the simulator's query and REST-XML responses.
// World strings are hostile on purpose (`<script>`, quotes, control characters, unicode): every text
// value goes through `escapeXml`, and fragments are branded so raw strings cannot be spliced in by
// mistake.

/** A piece of already-serialized XML. Only this module creates them. */
export interface XmlFragment {
  readonly __xml: string;
}

const frag = (xml: string): XmlFragment => ({ __xml: xml });

/**
 * Escape text for element content or attribute values.
 * - `& < > " '` as named entities;
 * - `\r` as a character reference because XML parsers (the SDK's included) normalise literal
 *   CR/CRLF to LF; `\n` likewise (`&#xA;`, as AWS's serializers do); tab stays literal;
 * - other C0 controls, DEL/C1 controls, U+2028/2029 and lone surrogates as `&#x..;` references so the
 *   bytes on the wire stay valid UTF-8 and the SDK decodes them back to the same code units.
 */
export function escapeXml(value: string): string {
  // Fast path: most strings need nothing.
  // eslint-disable-next-line no-control-regex
  if (!/[&<>"'\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029\ud800-\udfff]/.test(value)) return value;
  let out = "";
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    switch (c) {
      case 0x26:
        out += "&amp;";
        continue;
      case 0x3c:
        out += "&lt;";
        continue;
      case 0x3e:
        out += "&gt;";
        continue;
      case 0x22:
        out += "&quot;";
        continue;
      case 0x27:
        out += "&apos;";
        continue;
    }
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = value.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        // A valid surrogate pair: emit as-is (UTF-8 encodes it as one code point).
        out += value[i]! + value[i + 1]!;
        i++;
        continue;
      }
      out += ref(c); // lone high surrogate
      continue;
    }
    if (
      (c >= 0xdc00 && c <= 0xdfff) ||
      (c < 0x20 && c !== 0x09) ||
      (c >= 0x7f && c <= 0x9f) ||
      c === 0x2028 ||
      c === 0x2029
    ) {
      out += ref(c);
      continue;
    }
    out += value[i]!;
  }
  return out;
}

const ref = (code: number): string => `&#x${code.toString(16).toUpperCase()};`;

export type XmlScalar = string | number | boolean | null | undefined;

function scalarText(value: string | number | boolean): string {
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new TypeError(`cannot serialize ${value} as XML`);
    return String(value);
  }
  return typeof value === "boolean" ? (value ? "true" : "false") : escapeXml(value);
}

/** `<name>value</name>`, or nothing when the value is null/undefined (absent members are omitted). */
export function leaf(name: string, value: XmlScalar): XmlFragment | undefined {
  if (value === null || value === undefined) return undefined;
  return frag(`<${name}>${scalarText(value)}</${name}>`);
}

/** `<name>children</name>`; undefined children are skipped. */
export function node(name: string, ...children: (XmlFragment | undefined)[]): XmlFragment {
  return frag(`<${name}>${join(children)}</${name}>`);
}

/** `<name>children</name>` from an array (no spread: pages can hold many thousand items). */
export function nodeOf(name: string, children: readonly (XmlFragment | undefined)[]): XmlFragment {
  return frag(`<${name}>${join(children)}</${name}>`);
}

/** Element with attributes (only the document root needs them: `xmlns`). */
export function nodeWithAttrs(
  name: string,
  attrs: Record<string, string>,
  ...children: (XmlFragment | undefined)[]
): XmlFragment {
  const a = Object.entries(attrs)
    .map(([k, v]) => ` ${k}="${escapeXml(v)}"`)
    .join("");
  return frag(`<${name}${a}>${join(children)}</${name}>`);
}

/** A wrapped list: `<name><item>..</item>...</name>`; omitted when items is undefined. */
export function list<T>(
  name: string,
  memberName: string,
  items: Iterable<T> | undefined,
  render: (item: T, memberName: string) => XmlFragment | undefined,
): XmlFragment | undefined {
  if (items === undefined) return undefined;
  const parts: string[] = [];
  for (const item of items) {
    const f = render(item, memberName);
    if (f) parts.push(f.__xml);
  }
  return frag(`<${name}>${parts.join("")}</${name}>`);
}

/** A list of scalars: `<name><member>v</member>...</name>`. */
export function scalarList(
  name: string,
  memberName: string,
  items: Iterable<XmlScalar> | undefined,
): XmlFragment | undefined {
  return list(name, memberName, items, (v, m) => leaf(m, v));
}

/** Concatenate fragments without a wrapper (struct members rendered inside a parent). */
export function fragments(...children: (XmlFragment | undefined)[]): XmlFragment {
  return frag(join(children));
}

export function join(children: readonly (XmlFragment | undefined)[]): string {
  let s = "";
  for (const c of children) if (c) s += c.__xml;
  return s;
}

/** A complete document with the XML declaration. */
export function document(root: XmlFragment): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${root.__xml}`;
}
