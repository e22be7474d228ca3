/**
 * Objects the demo starts with, so the gallery and the service-worker tiles have
 * something to show before the first upload: a few pictures, a CSS background,
 * a font and a seekable audio track (played by a `<video>`).
 */
import { existsSync, readFileSync } from "node:fs";
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { solidPng } from "../../../test/support/edge.js";

/** Keys of the service-worker tiles (not listed in the gallery). */
export const SW_KEYS = { background: "sw/background.png", font: "sw/font.ttf", video: "sw/tone.wav" } as const;

const FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf";

/** A mono 16-bit PCM WAV tone of `seconds` at 8 kHz: seekable by byte ranges. */
function wav(seconds: number, rate = 8000): Buffer {
  const samples = seconds * rate;
  const out = Buffer.alloc(44 + samples * 2);
  out.write("RIFF", 0);
  out.writeUInt32LE(36 + samples * 2, 4);
  out.write("WAVEfmt ", 8);
  out.writeUInt32LE(16, 16);
  out.writeUInt16LE(1, 20);
  out.writeUInt16LE(1, 22);
  out.writeUInt32LE(rate, 24);
  out.writeUInt32LE(rate * 2, 28);
  out.writeUInt16LE(2, 32);
  out.writeUInt16LE(16, 34);
  out.write("data", 36);
  out.writeUInt32LE(samples * 2, 40);
  for (let i = 0; i < samples; i++)
    out.writeInt16LE(Math.round(4000 * Math.sin((2 * Math.PI * 330 * i) / rate)), 44 + i * 2);
  return out;
}

const SAMPLE_COLOURS: Array<[string, readonly [number, number, number]]> = [
  ["samples/teal.png", [32, 160, 150]],
  ["samples/amber.png", [235, 170, 40]],
  ["samples/coral.png", [230, 100, 90]],
  ["samples/indigo.png", [80, 90, 190]],
];

/** Put the sample objects into the bucket. */
export async function seedBucket(client: S3Client, bucket: string): Promise<void> {
  const objects: Array<{ key: string; body: Buffer; type: string }> = SAMPLE_COLOURS.map(([key, rgb]) => ({
    key,
    body: solidPng(320, 240, rgb),
    type: "image/png",
  }));
  objects.push({ key: SW_KEYS.background, body: solidPng(96, 64, [60, 140, 90]), type: "image/png" });
  objects.push({ key: SW_KEYS.video, body: wav(60), type: "audio/wav" });
  if (existsSync(FONT)) objects.push({ key: SW_KEYS.font, body: readFileSync(FONT), type: "font/ttf" });
  await Promise.all(
    objects.map((o) =>
      client.send(new PutObjectCommand({ Bucket: bucket, Key: o.key, Body: o.body, ContentType: o.type })),
    ),
  );
}
