/**
 * Tiny XML helpers for the S3 fixture: escaping, S3 error documents, and element building.
 */

/** An S3 error answer: HTTP status, S3 `Code`, `Message` and extra elements (S3 adds them per code). */
export interface S3ErrorSpec {
  status: number;
  code: string;
  message: string;
  detail?: Record<string, string>;
}

/** Escapes text for an XML element body or attribute. */
export function escapeXml(value: string): string {
  return value
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

/** Reverses {@link escapeXml} (and numeric character references). */
export function unescapeXml(value: string): string {
  return value
    .replace(/&#x([0-9a-fA-F]+);/g, (_, hex: string) => String.fromCodePoint(parseInt(hex, 16)))
    .replace(/&#(\d+);/g, (_, dec: string) => String.fromCodePoint(Number(dec)))
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
}

/** A child element: `[name, text]` or `[name, children]`; `undefined` entries are skipped. */
export type XmlNode = readonly [string, string | number | boolean | ReadonlyArray<XmlNode | undefined>];

/** Serialises nodes (no pretty printing, like S3). */
export function renderXml(nodes: ReadonlyArray<XmlNode | undefined>): string {
  return nodes
    .filter((node): node is XmlNode => node !== undefined)
    .map(([name, value]) =>
      typeof value === "object"
        ? `<${name}>${renderXml(value)}</${name}>`
        : `<${name}>${escapeXml(String(value))}</${name}>`,
    )
    .join("");
}

const PROLOG = '<?xml version="1.0" encoding="UTF-8"?>\n';
const S3_NS = "http://s3.amazonaws.com/doc/2006-03-01/";

/** A full S3 result document: `<Root xmlns="...">children</Root>` with the XML prolog. */
export function resultDocument(root: string, children: ReadonlyArray<XmlNode | undefined>): string {
  return `${PROLOG}<${root} xmlns="${S3_NS}">${renderXml(children)}</${root}>`;
}

/** An S3 error document, as S3 sends it (`<Error><Code>..</Code><Message>..</Message>...`). */
export function errorDocument(error: S3ErrorSpec, requestId: string): string {
  const detail = Object.entries(error.detail ?? {}).map(([name, value]): XmlNode => [name, value]);
  return `${PROLOG}${renderXml([
    [
      "Error",
      [["Code", error.code], ["Message", error.message], ...detail, ["RequestId", requestId], ["HostId", "s3-fixture"]],
    ],
  ])}`;
}

/** Text of every `<name>...</name>` element directly inside `xml` (non-nested elements only). */
export function elementTexts(xml: string, name: string): string[] {
  const re = new RegExp(`<${name}(?:\\s[^>]*)?>([\\s\\S]*?)</${name}>`, "g");
  return [...xml.matchAll(re)].map((m) => m[1] ?? "");
}
