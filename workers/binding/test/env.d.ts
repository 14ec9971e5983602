// Bindings declared in vitest.config.ts for the test runner; `env` from "cloudflare:workers".
declare namespace Cloudflare {
  interface Env {
    TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
    /** The binding Worker's cache eviction entrypoint, which the API Worker calls. */
    SERVICE_CACHE: Service<import("../src/vpc-service-cache").VpcServiceCache>;
    /** The edge Worker (its real /connect). */
    EDGE: Fetcher;
    /** Consumers of services SERVICE_A and SERVICE_B, and one whose binding has no props. */
    API_A: Fetcher;
    API_B: Fetcher;
    API_NO_PROPS: Fetcher;
  }
}
