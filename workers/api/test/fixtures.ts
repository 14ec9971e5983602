/** Shared by vitest.config.ts (Node) and the tests (workerd): plain values only. */

/** ADMIN_TOKEN of burrow-api in the tests. */
export const TEST_ADMIN_TOKEN = "test-admin-token";
/** TUNNEL_SECRET_KEY of burrow-api in the tests. */
export const TEST_SECRET_KEY = "test-sealing-key";
/** The account tag and zone id of wrangler.toml's defaults. */
export const ACCOUNT = "0000000000000000000000000000b055";
export const ZONE_ID = "000000000000000000000000000020e5";
