/** Shared by vitest.config.ts (Node) and the tests (workerd): plain values only. */

/** Service ids that the API_A and API_B test bindings name in their props. */
export const SERVICE_A = "00000000-0000-4000-8000-0000000000aa";
export const SERVICE_B = "00000000-0000-4000-8000-0000000000bb";
