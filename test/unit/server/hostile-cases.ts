/**
 * The hostile-input table: keys, numbers, tokens, content types, bodies,
 * methods and credentials, each with the status and code the endpoint
 * documents for it. Run against the handler in hostile.test.ts and over real
 * sockets with the S3 fixture in test/integration/server-hostile.test.ts.
 */
import { createTokenCodec } from "../../../src/server/token.js";
import { MiB } from "./helpers.js";
import type { Attempt, Case, Upload } from "./hostile-harness.js";

const createBody = (extra: Record<string, unknown> = {}) => ({
  v: 1,
  op: "create",
  filename: "a.bin",
  contentType: "application/octet-stream",
  size: 20 * MiB,
  ...extra,
});
const ref = (up: Upload | undefined) => ({ key: up!.key, uploadId: up!.uploadId, token: up!.token });
const OPS_ON_UPLOADS = ["sign", "list", "complete", "abort"] as const;
/** A body for each operation on an upload, valid but for what the row changes. */
const opBody = (op: (typeof OPS_ON_UPLOADS)[number], up: Upload | undefined, extra: Record<string, unknown> = {}) => ({
  v: 1,
  op,
  ...ref(up),
  ...(op === "sign" ? { parts: [{ partNumber: 1 }] } : {}),
  ...(op === "complete" ? { parts: [1, 2, 3].map((n) => ({ partNumber: n, etag: `"e${n}"` })) } : {}),
  ...extra,
});

/** Every row. */
export const rows: Case[] = [];
const add = (c: Case): void => void rows.push(c);

// ---- Keys ---------------------------------------------------------------------------------
const badKeys: Array<[string, string]> = [
  ["empty", ""],
  ["a leading slash", "/a.png"],
  ["only a slash", "/"],
  ["two slashes", "//"],
  ["an empty segment", "a//b.png"],
  ["a trailing slash", "a/b/"],
  ["a '.' segment", "a/./b"],
  ["a leading '.' segment", "./a"],
  ["a trailing '.' segment", "a/."],
  ["a '..' segment", "a/../b"],
  ["a leading '..'", "../etc/passwd"],
  ["only '..'", ".."],
  ["only '.'", "."],
  ["a NUL", "a\u0000b"],
  ["a newline", "a\nb"],
  ["a carriage return", "a\rb"],
  ["a tab", "a\tb"],
  ["a DEL", "a\u007fb"],
  ["an escape", "a\u001b[31mb"],
  ["a lone high surrogate", "a\ud800b"],
  ["a lone low surrogate", "a\udc00b"],
  ["1025 ASCII bytes", "x".repeat(1025)],
  ["1026 UTF-8 bytes of é", "é".repeat(513)],
  ["a deep '..' escape", "a/b/../../../c"],
  ["CRLF header injection", "a.png\r\nx-amz-acl: public-read"],
];
for (const [name, key] of badKeys) {
  add({
    name: `url with a key with ${name}`,
    status: 400,
    code: "InvalidKey",
    options: { read: () => true },
    attempt: () => ({ body: { v: 1, op: "url", key } }),
  });
}
const nonStringKeys: Array<[string, unknown]> = [
  ["a number", 1],
  ["null", null],
  ["true", true],
  ["an array", ["a.png"]],
  ["an object", { toString: "a.png" }],
  ["missing", undefined],
];
for (const [name, key] of nonStringKeys) {
  add({
    name: `url with a key that is ${name}`,
    status: 400,
    code: "BadRequest",
    options: { read: () => true },
    attempt: () => ({ body: { v: 1, op: "url", key } }),
  });
}
add({
  name: "url with a valid key but no read hook",
  status: 403,
  code: "NotAuthorized",
  attempt: () => ({ body: { v: 1, op: "url", key: "a/b.png" } }),
});
add({
  name: "url of a key read refuses",
  status: 403,
  code: "NotAuthorized",
  options: { read: (key) => key.startsWith("public/") },
  attempt: () => ({ body: { v: 1, op: "url", key: "private/b.png" } }),
});
const otherKeys: Array<[string, (key: string) => string]> = [
  ["another key", () => "uploads/other.bin"],
  ["the key with a suffix", (k) => `${k}x`],
  ["the key upper-cased", (k) => k.toUpperCase()],
  ["the key with a trailing slash", (k) => `${k}/`],
  ["the key percent-encoded", (k) => encodeURIComponent(k)],
  ["the key's directory", (k) => k.slice(0, k.lastIndexOf("/"))],
  ["the key with a NUL", (k) => `${k}\u0000`],
];
for (const op of OPS_ON_UPLOADS) {
  for (const [name, change] of otherKeys) {
    add({
      name: `${op} with ${name}`,
      status: 403,
      code: "InvalidToken",
      upload: {},
      attempt: (up) => ({ body: opBody(op, up, { key: change(up!.key) }) }),
    });
  }
}

// ---- Numbers ------------------------------------------------------------------------------
const badSizes: Array<[string, string]> = [
  ["-1", "-1"],
  ["-0.5", "-0.5"],
  ["1.5", "1.5"],
  ['"10"', '"10"'],
  ["true", "true"],
  ["[]", "[]"],
  ["{}", "{}"],
  ["[10]", "[10]"],
  ["1e400 (Infinity)", "1e400"],
  ["-1e400", "-1e400"],
  ["2^53", "9007199254740992"],
  ["2^53 + 1", "9007199254740993"],
  ["1e-7", "1e-7"],
  ['"NaN"', '"NaN"'],
  ["missing", "undefined"],
];
for (const [name, value] of badSizes) {
  const raw =
    value === "undefined"
      ? '{"v":1,"op":"create","filename":"a.bin","contentType":"text/plain"}'
      : `{"v":1,"op":"create","filename":"a.bin","contentType":"text/plain","size":${value}}`;
  add({ name: `create with size ${name}`, status: 400, code: "BadRequest", attempt: () => ({ raw }) });
}
for (const [name, size, limit] of [
  ["1 byte over maxSize", 100 * MiB + 1, 100 * MiB],
  ["5 TiB", 5 * 1024 * 1024 * MiB, 100 * MiB],
  ["the largest safe integer", Number.MAX_SAFE_INTEGER, 100 * MiB],
] as const) {
  add({
    name: `create of ${name}`,
    status: 413,
    code: "TooLarge",
    options: { limits: { maxSize: limit } },
    attempt: () => ({ body: createBody({ size }) }),
  });
}
add({
  name: "create under minSize",
  status: 400,
  code: "TooSmall",
  options: { limits: { minSize: 100 } },
  attempt: () => ({ body: createBody({ size: 99 }) }),
});
add({
  name: "create of unknown size when refused",
  status: 400,
  code: "BadRequest",
  options: { limits: { allowUnknownSize: false } },
  attempt: () => ({ body: createBody({ size: null }) }),
});
add({
  name: "create needing more than maxParts parts of 5 GiB",
  status: 400,
  code: "TooManyParts",
  options: { limits: { maxParts: 1, maxSize: 5 * 1024 * 1024 * MiB } },
  attempt: () => ({ body: createBody({ size: 6 * 1024 * MiB }) }),
});
for (const [name, value] of [
  ["0", "0"],
  ["-5", "-5"],
  ["1.5", "1.5"],
  ['"8MiB"', '"8MiB"'],
  ["true", "true"],
  ["[]", "[]"],
  ["1e400", "1e400"],
  ["null", "null"],
] as const) {
  add({
    name: `create with partSize ${name}`,
    status: 400,
    code: "BadRequest",
    attempt: () => ({
      raw: `{"v":1,"op":"create","filename":"a.bin","contentType":"text/plain","size":1,"partSize":${value}}`,
    }),
  });
}
const badPartNumbers: Array<[string, unknown]> = [
  ["0", 0],
  ["-1", -1],
  ["10001", 10_001],
  ["1.5", 1.5],
  ['"1"', "1"],
  ["null", null],
  ["true", true],
  ["[1]", [1]],
  ["{}", {}],
  ["missing", undefined],
  ["-0.0001", -0.0001],
  ["2^53", 2 ** 53],
];
for (const [name, partNumber] of badPartNumbers) {
  add({
    name: `sign with partNumber ${name}`,
    status: 400,
    code: "InvalidPartNumber",
    upload: {},
    attempt: (up) => ({ body: opBody("sign", up, { parts: [{ partNumber }] }) }),
  });
}
add({
  name: "sign past the last part of a known size",
  status: 400,
  code: "InvalidPartNumber",
  upload: {},
  attempt: (up) => ({ body: opBody("sign", up, { parts: [{ partNumber: 4 }] }) }),
});
add({
  name: "sign past maxSize of an unknown size",
  status: 400,
  code: "TooManyParts",
  options: { limits: { maxSize: 16 * MiB } },
  upload: { size: null },
  attempt: (up) => ({ body: opBody("sign", up, { parts: [{ partNumber: 3, size: 1 }] }) }),
});
const badDeclared: Array<[string, unknown]> = [
  ["-1", -1],
  ["a string", String(8 * MiB)],
  ["one byte more", 8 * MiB + 1],
  ["one byte less", 8 * MiB - 1],
  ["1.5", 1.5],
  ["true", true],
  ["null", null],
  ["an array", [8 * MiB]],
  ["5 GiB", 5 * 1024 * MiB],
];
for (const [name, size] of badDeclared) {
  add({
    name: `sign a known-size part declared ${name}`,
    status: 400,
    code: "BadRequest",
    upload: {},
    attempt: (up) => ({ body: opBody("sign", up, { parts: [{ partNumber: 1, size }] }) }),
  });
}
const badUnknown: Array<[string, number, unknown]> = [
  ["part 2 of 0 bytes", 2, 0],
  ["part 1 over the part size", 1, 8 * MiB + 1],
  ["part 1 of 5 GiB", 1, 5 * 1024 * MiB],
  ["part 1 with no size", 1, undefined],
  ["part 1 of -1 bytes", 1, -1],
  ["part 1 of 1.5 bytes", 1, 1.5],
  ["part 1 of Infinity (sent as null)", 1, Number.POSITIVE_INFINITY],
];
for (const [name, partNumber, size] of badUnknown) {
  add({
    name: `sign an unknown-size ${name}`,
    status: 400,
    code: "BadRequest",
    upload: { size: null },
    attempt: (up) => ({ body: opBody("sign", up, { parts: [{ partNumber, size }] }) }),
  });
}
const badPartLists: Array<[string, unknown]> = [
  ["a string", "1,2"],
  ["an object", { 1: {} }],
  ["null", null],
  ["a number", 5],
  ["an empty list", []],
  ["101 parts", Array.from({ length: 101 }, (_, i) => ({ partNumber: i + 1 }))],
  ["a duplicate", [{ partNumber: 1 }, { partNumber: 1 }]],
  ["a number entry", [1]],
  ["a string entry", ["1"]],
  ["a null entry", [null]],
  ["an array entry", [[1]]],
];
for (const [name, parts] of badPartLists) {
  add({
    name: `sign with parts that are ${name}`,
    status: 400,
    code: "BadRequest",
    upload: {},
    attempt: (up) => ({ body: opBody("sign", up, { parts }) }),
  });
}
const badCompleteParts: Array<[string, string, unknown]> = [
  ["InvalidPartOrder", "a gap", [1, 3, 4].map((n) => ({ partNumber: n, etag: '"e"' }))],
  ["InvalidPartOrder", "numbering from 0", [0, 1, 2].map((n) => ({ partNumber: n, etag: '"e"' }))],
  ["InvalidPartOrder", "descending numbers", [3, 2, 1].map((n) => ({ partNumber: n, etag: '"e"' }))],
  ["InvalidPartOrder", "too few parts for the size", [1, 2].map((n) => ({ partNumber: n, etag: '"e"' }))],
  ["InvalidPartOrder", "too many parts for the size", [1, 2, 3, 4].map((n) => ({ partNumber: n, etag: '"e"' }))],
  ["InvalidPartOrder", "string part numbers", ["1", "2", "3"].map((n) => ({ partNumber: n, etag: '"e"' }))],
  ["BadRequest", "an empty ETag", [1, 2, 3].map((n) => ({ partNumber: n, etag: "" }))],
  ["BadRequest", "a numeric ETag", [1, 2, 3].map((n) => ({ partNumber: n, etag: 5 }))],
  ["BadRequest", "a 300-character ETag", [1, 2, 3].map((n) => ({ partNumber: n, etag: "e".repeat(300) }))],
  ["BadRequest", "an ETag with a newline", [1, 2, 3].map((n) => ({ partNumber: n, etag: '"e"\r\nx: y' }))],
  ["BadRequest", "an ETag with non-ASCII", [1, 2, 3].map((n) => ({ partNumber: n, etag: '"é"' }))],
  [
    "BadRequest",
    "a checksum on an upload without one",
    [1, 2, 3].map((n) => ({ partNumber: n, etag: '"e"', checksum: "AAAAAA==" })),
  ],
  ["BadRequest", "no parts", []],
  ["BadRequest", "parts that are not a list", "1,2,3"],
  ["TooManyParts", "10,001 parts", Array.from({ length: 10_001 }, (_, i) => ({ partNumber: i + 1, etag: "e" }))],
];
for (const [code, name, parts] of badCompleteParts) {
  add({
    name: `complete with ${name}`,
    status: 400,
    code: code as Case["code"],
    upload: {},
    attempt: (up) => ({ body: opBody("complete", up, { parts }) }),
  });
}
for (const [name, checksum] of [
  ["missing", undefined],
  ["not base64", "abc"],
  ["short", "AAAAA=="],
  ["a number", 123],
  ["the wrong padding", "AAAAAAA="],
  ["lower-case algorithm name", "crc32"],
] as const) {
  add({
    name: `sign with a checksum that is ${name} on a CRC32 upload`,
    status: 400,
    code: "BadRequest",
    upload: { checksum: "CRC32" },
    attempt: (up) => ({ body: opBody("sign", up, { parts: [{ partNumber: 1, checksum }] }) }),
  });
}

// ---- Tokens -------------------------------------------------------------------------------
/** A token for this very upload and user, but signed with another secret. */
const otherSecret = createTokenCodec("another-secret-0123456789abcdef-0123456789");
const tokenOfOtherSecret = (up: Upload): Promise<string> =>
  otherSecret.issue({
    k: up.key,
    u: up.uploadId,
    s: "alice",
    e: Date.UTC(2031, 0, 1),
    z: 20 * MiB,
    p: up.partSize,
    t: "application/octet-stream",
  });
const flip = (text: string, i: number): string => text.slice(0, i) + (text[i] === "A" ? "B" : "A") + text.slice(i + 1);
const badTokens: Array<[string, (token: string) => unknown, Case["code"]?]> = [
  ["empty", () => ""],
  ["one character", () => "x"],
  ["a lone dot", () => "."],
  ["two dots", () => ".."],
  ["'a.b'", () => "a.b"],
  ["with a character appended", (t) => `${t}x`],
  ["with its payload changed", (t) => flip(t, 3)],
  ["with its MAC changed", (t) => flip(t, t.length - 3)],
  ["with its halves swapped", (t) => t.split(".").reverse().join(".")],
  ["without its MAC", (t) => t.split(".")[0]],
  ["with base64 padding", (t) => `${t}=`],
  ["with a third part", (t) => `${t}.AAAA`],
  ["9000 characters long", () => "A".repeat(9000)],
  ["a number", () => 12345],
  ["null", () => null],
  ["an array", (t) => [t]],
  ["an object", (t) => ({ token: t })],
  ["true", () => true],
  [
    "a forged payload with a MAC of zeros",
    () =>
      `${Buffer.from(JSON.stringify({ k: "x", u: "y", s: "alice", e: 9e15, z: 1, p: 5 * MiB, t: "a/b" })).toString("base64url")}.${"A".repeat(43)}`,
  ],
  ["missing", () => undefined],
];
for (const op of OPS_ON_UPLOADS) {
  for (const [name, make] of badTokens) {
    const typeError = ["a number", "null", "an array", "an object", "true", "missing"].includes(name);
    add({
      name: `${op} with a token that is ${name}`,
      status: typeError ? 400 : 403,
      code: typeError ? "BadRequest" : "InvalidToken",
      upload: {},
      attempt: (up) => ({ body: opBody(op, up, { token: make(up!.token) }) }),
    });
  }
  add({
    name: `${op} of another user's upload`,
    status: 403,
    code: "NotAuthorized",
    upload: {},
    owner: "bob",
    attempt: (up) => ({ body: opBody(op, up) }),
  });
  add({
    name: `${op} with another uploadId`,
    status: 403,
    code: "InvalidToken",
    upload: {},
    attempt: (up) => ({ body: opBody(op, up, { uploadId: `${up!.uploadId}-2` }) }),
  });
  add({
    name: `${op} with an uploadId that is not a string`,
    status: 400,
    code: "BadRequest",
    upload: {},
    attempt: (up) => ({ body: opBody(op, up, { uploadId: 7 }) }),
  });
  add({
    name: `${op} without credentials`,
    status: 401,
    code: "NotAuthorized",
    upload: {},
    attempt: (up) => ({ body: opBody(op, up), user: null }),
  });
  add({
    name: `${op} with a token signed with another secret`,
    status: 403,
    code: "InvalidToken",
    upload: {},
    attempt: async (up) => ({ body: opBody(op, { ...up!, token: await tokenOfOtherSecret(up!) }) }),
  });
  if (op !== "abort") {
    add({
      name: `${op} with an expired token`,
      status: 403,
      code: "TokenExpired",
      upload: {},
      laterMs: 86_400_001,
      attempt: (up) => ({ body: opBody(op, up) }),
    });
  }
}

// ---- Content types ------------------------------------------------------------------------
const badTypes: Array<[string, unknown]> = [
  ["empty", ""],
  ["without a subtype", "image"],
  ["with an empty subtype", "image/"],
  ["with an empty type", "/png"],
  ["with two slashes", "image/png/x"],
  ["with a space inside", "image/pn g"],
  ["with a space for a slash", "image png"],
  ["with CRLF and a header", "image/png\r\nx-amz-acl: public-read"],
  ["with a newline", "image/png\nx"],
  ["with a NUL", "image/png\u0000"],
  ["with non-ASCII", "imäge/png"],
  ["with a parameter without value", "image/png; charset"],
  ["with a parameter without name", "image/png; =x"],
  ["with an unterminated quoted value", 'image/png; a="x'],
  ["with a quote inside a quoted value", 'image/png; a="x"y"'],
  ["with a lone backslash ending a quoted value", 'image/png; a="x\\"'],
  ["of 257 characters", `text/${"x".repeat(252)}`],
  ["a number", 42],
  ["null", null],
  ["an array", ["image/png"]],
  ["an object", { type: "image/png" }],
  ["missing", undefined],
];
for (const [name, contentType] of badTypes) {
  add({
    name: `create with a content type ${name}`,
    status: 400,
    code: "BadRequest",
    attempt: () => ({ body: createBody({ contentType, size: 10 }) }),
  });
}
for (const type of [
  "text/html",
  "application/javascript",
  "image/svg+xml",
  "IMAGE/SVG+XML",
  "image/svg+xml; charset=utf-8",
  "application/xhtml+xml",
  "text/xml",
  "application/octet-stream",
  "video/mp4",
  "imagex/png",
  "application/image",
  'text/html; x="image/png"',
]) {
  add({
    name: `create of ${type} where only image/* is allowed`,
    status: 415,
    code: "ContentTypeNotAllowed",
    options: { limits: { contentTypes: ["image/*"] } },
    attempt: () => ({ body: createBody({ contentType: type, size: 10 }) }),
  });
}

// ---- Bodies -------------------------------------------------------------------------------
const badBodies: Array<[string, string | Uint8Array<ArrayBuffer>, number?]> = [
  ["empty", ""],
  ["an open brace", "{"],
  ["'nul'", "nul"],
  ["null", "null"],
  ["an empty array", "[]"],
  ["an array", '[{"v":1,"op":"create"}]'],
  ["a number", "1"],
  ["a string", '"create"'],
  ["true", "true"],
  ["trailing garbage", '{"v":1,"op":"create"}x'],
  ["single quotes", "{'v':1,'op':'create'}"],
  ["a comment", '{"v":1,/*x*/"op":"create"}'],
  ["no op", '{"v":1}'],
  ["no version", '{"op":"create"}'],
  ["version 2", '{"v":2,"op":"create"}'],
  ["version '1'", '{"v":"1","op":"create"}'],
  ["version null", '{"v":null,"op":"create"}'],
  ["version 0", '{"v":0,"op":"create"}'],
  ["op ''", '{"v":1,"op":""}'],
  ["op 'CREATE'", '{"v":1,"op":"CREATE"}'],
  ["op ' create'", '{"v":1,"op":" create"}'],
  ["op '__proto__'", '{"v":1,"op":"__proto__"}'],
  ["op 'constructor'", '{"v":1,"op":"constructor"}'],
  ["op 'toString'", '{"v":1,"op":"toString"}'],
  ["op 'hasOwnProperty'", '{"v":1,"op":"hasOwnProperty"}'],
  ["op 'delete'", '{"v":1,"op":"delete"}'],
  ["op 1", '{"v":1,"op":1}'],
  ["op ['create']", '{"v":1,"op":["create"]}'],
  ["invalid UTF-8", new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d])],
  ["an overlong UTF-8 slash", new Uint8Array([0x7b, 0x22, 0xc0, 0xaf, 0x22, 0x3a, 0x31, 0x7d])],
  ["UTF-16", new Uint8Array(Buffer.from('{"v":1,"op":"create"}', "utf16le"))],
  ["70 KiB of create", JSON.stringify(createBody({ filename: "x".repeat(70 * 1024) })), 413],
  [
    "70 KiB of sign claiming complete in a string",
    JSON.stringify({ v: 1, op: "sign", note: '"op":"complete"', pad: "x".repeat(70 * 1024) }),
    413,
  ],
  ["nesting 9 levels deep", '{"v":1,"op":"create","x":[[[[[[[[1]]]]]]]]}'],
  ["nesting 100,000 levels deep", `{"v":1,"op":"complete","x":${"[".repeat(100_000)}${"]".repeat(100_000)}}`],
  ["2.1 MiB", JSON.stringify({ v: 1, op: "complete", pad: "x".repeat(2.1 * MiB) }), 413],
];
for (const [name, raw, status = 400] of badBodies) {
  add({ name: `a body that is ${name}`, status, code: "BadRequest", attempt: () => ({ raw }) });
}
const badMetadata: Array<[string, unknown]> = [
  ["an upper-case name", { Owner: "a" }],
  ["a name with a space", { "a b": "c" }],
  ["a name with an underscore", { a_b: "c" }],
  ["an empty name", { "": "c" }],
  ["a __proto__ name", JSON.parse('{"__proto__":"x"}')],
  ["a number value", { a: 1 }],
  ["a null value", { a: null }],
  ["a non-ASCII value", { a: "é" }],
  ["a value with a newline", { a: "x\r\nx-amz-acl: public-read" }],
  ["over 2 KB", { a: "x".repeat(2048) }],
  ["an array", ["a"]],
  ["a string", "owner=a"],
];
for (const [name, metadata] of badMetadata) {
  add({
    name: `create with metadata with ${name}`,
    status: 400,
    code: "BadRequest",
    attempt: () => ({ body: createBody({ metadata, size: 10 }) }),
  });
}
for (const [name, filename] of [
  ["a number", 1],
  ["null", null],
  ["an array", ["a"]],
  ["an object", {}],
  ["1025 bytes", "x".repeat(1025)],
  ["missing", undefined],
] as const) {
  add({
    name: `create with a file name that is ${name}`,
    status: 400,
    code: "BadRequest",
    attempt: () => ({ body: createBody({ filename, size: 10 }) }),
  });
}
for (const checksum of ["MD5", "crc32", "SHA256", 1, true, null]) {
  add({
    name: `create with checksum ${JSON.stringify(checksum)}`,
    status: 400,
    code: "BadRequest",
    attempt: () => ({ body: createBody({ checksum }) }),
  });
}
const badContentTypes: Array<[string, string | null]> = [
  ["text/plain", "text/plain"],
  ["a form", "application/x-www-form-urlencoded"],
  ["multipart", "multipart/form-data; boundary=x"],
  ["missing", null],
  ["application/jsonp", "application/jsonp"],
  ["application/json-patch+json", "application/json-patch+json"],
  ["text/json", "text/json"],
  ["an empty header", ""],
];
for (const [name, contentType] of badContentTypes) {
  add({
    name: `a request whose Content-Type is ${name}`,
    status: 400,
    code: "BadRequest",
    attempt: () => ({ body: createBody({ size: 10 }), contentType }),
  });
}
add({
  name: "an announced Content-Length of 50 MB",
  status: 413,
  code: "BadRequest",
  attempt: () => ({ body: createBody(), headers: { "content-length": String(50 * MiB) } }),
});

// ---- Methods and credentials --------------------------------------------------------------
for (const method of [
  "GET",
  "HEAD",
  "PUT",
  "DELETE",
  "PATCH",
  "OPTIONS",
  "TRACE",
  "CONNECT",
  "TRACK",
  "PROPFIND",
  "MKCOL",
]) {
  add({
    name: `method ${method}`,
    status: 405,
    code: "MethodNotAllowed",
    attempt: (): Attempt => ({ body: createBody(), method }),
  });
  add({
    name: `method ${method} without credentials`,
    status: 405,
    code: "MethodNotAllowed",
    attempt: (): Attempt => ({ body: createBody(), method, user: null }),
  });
}
for (const op of ["create", "sign", "list", "complete", "abort", "url"]) {
  add({
    name: `${op} without credentials, body incomplete`,
    status: 401,
    code: "NotAuthorized",
    attempt: () => ({ body: { v: 1, op }, user: null }),
  });
  add({
    name: `${op} with an empty user id`,
    status: 401,
    code: "NotAuthorized",
    attempt: () => ({ body: { v: 1, op }, user: "" }),
  });
}
