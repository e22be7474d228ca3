/**
 * A signing endpoint on plain node:http (Express: `app.all("/api/s3edge", toNodeHandler(handler))`).
 * Environment: BUCKET, AWS_REGION, S3EDGE_SECRET (>= 32 bytes), CDN_URL (optional).
 */
import { createServer } from "node:http";
import { createSigner, handleS3Edge, sanitizeFilename, toNodeHandler, type User } from "s3edge/server";

/** Your authentication; here a bearer token looked up in a (toy) table. */
const sessions = new Map<string, User>([["dev-token", { id: "user-1" }]]);

const signer = createSigner({
  s3: { region: process.env["AWS_REGION"] ?? "us-east-1" },
  bucket: process.env["BUCKET"] ?? "my-uploads",
  tokenSecret: process.env["S3EDGE_SECRET"] ?? "",
  authorize: (request) => sessions.get(request.headers.get("authorization")?.replace(/^Bearer /, "") ?? ""),
  keyPolicy: ({ filename }, { user }) => `users/${user.id}/${crypto.randomUUID()}/${sanitizeFilename(filename)}`,
  limits: { maxSize: 5 * 1024 ** 3, contentTypes: ["image/*", "video/*", "application/pdf"] },
  ...(process.env["CDN_URL"] && { cdn: process.env["CDN_URL"] }),
});

const handler = toNodeHandler(
  handleS3Edge(signer, {
    cors: { origin: ["http://localhost:5173"], credentials: true },
    // Without onError, 5xx answers are logged with console.error (redacted); this logs every error.
    onError: (error, op) => console.warn(`s3edge ${op}: ${error.code} ${error.message}`),
  }),
);

createServer((req, res) => {
  if (req.url === "/api/s3edge") handler(req, res);
  else res.writeHead(404).end();
}).listen(3000, () => console.log("signing endpoint on http://localhost:3000/api/s3edge"));
