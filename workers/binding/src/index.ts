import { ApiError, envelopeResponse, failureBody } from "@burrow/cf-api";

export { VpcServiceBinding } from "./vpc-service-binding";
export { VpcServiceCache } from "./vpc-service-cache";

/**
 * The binding Worker has no HTTP surface of its own: consumers reach it through
 * {@link VpcServiceBinding}, and VPC services are managed by the API Worker (workers/api) at
 * /client/v4/accounts/{account_id}/connectivity/directory/services.
 */
export default {
  fetch: () => {
    const error = new ApiError(
      404,
      "not_found",
      "bind to the VpcServiceBinding entrypoint; manage services at /client/v4/accounts/{account_id}/connectivity/directory/services",
    );
    return envelopeResponse(failureBody([error.detail]), 404);
  },
} satisfies ExportedHandler<Env>;
