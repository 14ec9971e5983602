import "vitest";

declare module "vitest" {
  interface ProvidedContext {
    /** Base URL of the fake Cloudflare API (global-setup.ts), e.g. http://127.0.0.1:1234/client/v4. */
    zoneApiBase: string;
    /** The zone id and bearer token the fake API accepts. */
    zoneId: string;
    zoneApiToken: string;
  }
}
