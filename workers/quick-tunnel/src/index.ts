import { ApiError, errorResponse, failureBody, successBody } from "@burrow/cf-api";
import { Hono } from "hono";
import { cors } from "hono/cors";
import { mintQuickTunnel } from "./mint";
import { mintRateLimitKey } from "./rate-limit-key";

/** The Rate Limiting binding's period (wrangler.toml `simple.period`), sent back as Retry-After. */
const MINT_RATE_PERIOD_SECONDS = 60;

const app = new Hono<{ Bindings: Env }>();

app.use("*", cors({ origin: "*", allowMethods: ["POST", "OPTIONS"], maxAge: 86400 }));

app.post("/tunnel", async (c) => {
  const clientIp = c.req.header("cf-connecting-ip") ?? "unknown";
  const { success } = await c.env.MINT_RATE_LIMIT.limit({ key: mintRateLimitKey(clientIp) });
  if (!success) {
    throw new ApiError(
      429,
      "rate_limited",
      "too many quick tunnels from this address; retry later",
      {
        "retry-after": String(MINT_RATE_PERIOD_SECONDS),
      },
    );
  }
  const tunnel = await mintQuickTunnel(c.env, Date.now());
  return c.json(successBody(tunnel));
});

app.notFound(() => {
  const error = new ApiError(
    404,
    "not_found",
    "no such endpoint; quick tunnels are minted with POST /tunnel",
  );
  return Response.json(failureBody([error.detail]), { status: 404 });
});

app.onError((error) => errorResponse(error, "quick-tunnel"));

export default app satisfies ExportedHandler<Env>;
