// The README's quick start, step 1: the signing endpoint as a Next.js route handler.
// The signer is created at module scope; `next build` runs without S3EDGE_SECRET (as in
// Docker or CI builds): options that come from the environment are checked at the first
// request, which answers 500 and logs what to fix when the secret is missing.
import { createSigner, handleS3Edge } from "s3edge/server";

/** Your app's session lookup; here a cookie stands in for it. */
async function sessionUser(request: Request): Promise<{ id: string } | null> {
  const match = /(?:^|;\s*)user=([\w-]+)/.exec(request.headers.get("cookie") ?? "");
  return match?.[1] ? { id: match[1] } : null;
}

const signer = createSigner({
  s3: { region: process.env.AWS_REGION ?? "eu-west-1" },
  bucket: process.env.S3EDGE_BUCKET ?? "my-uploads",
  tokenSecret: process.env.S3EDGE_SECRET!, // >= 32 bytes: `openssl rand -base64 32`
  authorize: async (request) => {
    const user = await sessionUser(request);
    return user ? { id: user.id } : null; // null -> 401
  },
  limits: { maxSize: 2 * 1024 ** 3, contentTypes: ["image/*", "video/*"] },
  cdn: "https://cdn.example.com",
});

export const POST = handleS3Edge(signer);
