/** Shared by vitest.config.ts (Node) and the tests (workerd): plain values only. */

/** The management API token the tests configure (ADMIN_TOKEN of burrow-binding). */
export const TEST_ADMIN_TOKEN = "test-admin-token";
/** Service ids that the API_A and API_B test bindings name in their props. */
export const SERVICE_A = "00000000-0000-4000-8000-0000000000aa";
export const SERVICE_B = "00000000-0000-4000-8000-0000000000bb";
