import { ApiError, errorResponse, failureBody } from "@burrow/cf-api";
import { Hono } from "hono";
import { servicesApi } from "./services-api";

export { VpcServiceBinding } from "./vpc-service-binding";

/**
 * The management API for VPC services. The edge forwards `/vpc/*` on its apex here through its
 * VPC_ADMIN service binding; consumers never call it, they bind to {@link VpcServiceBinding}.
 */
const app = new Hono<{ Bindings: Env }>();

app.route("/vpc/services", servicesApi);

app.notFound(() => {
  const error = new ApiError(
    404,
    "not_found",
    "no such endpoint; VPC services live at /vpc/services",
  );
  return Response.json(failureBody([error.detail]), { status: 404 });
});

app.onError((error) => errorResponse(error, "binding"));

export default app satisfies ExportedHandler<Env>;
