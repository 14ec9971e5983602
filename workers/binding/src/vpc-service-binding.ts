import { WorkerEntrypoint } from "cloudflare:workers";
import { cachedService } from "./service-cache";
import { callVpcService } from "./tunnel-rpc";
import { routeFor, VpcRequestError } from "./vpc-route";

/** What a consumer's service binding passes: `props = { service_id = "<id>" }`. */
export interface VpcServiceProps {
  service_id: string;
}

/**
 * The entrypoint consumers bind to. `env.PRIVATE_API.fetch(url, init)` reaches exactly the VPC
 * service named in the binding's props, through one of its tunnel's connection objects and that
 * connector. Like Workers VPC, failures to reach the service throw; the origin's own statuses pass
 * through.
 */
export class VpcServiceBinding extends WorkerEntrypoint<Env, VpcServiceProps> {
  override async fetch(request: Request): Promise<Response> {
    // Props come from the consumer's wrangler config, never from the request, so a caller
    // cannot name another service.
    const serviceId = (this.ctx.props as Partial<VpcServiceProps> | undefined)?.service_id;
    if (typeof serviceId !== "string" || serviceId === "") {
      throw new VpcRequestError(
        'this VPC service binding has no service_id: add props = { service_id = "<id>" } to the consumer\'s [[services]] binding',
      );
    }
    const service = await cachedService(this.env.DB, serviceId);
    if (!service) throw new VpcRequestError(`VPC service ${serviceId} does not exist`);
    const route = routeFor(service, new URL(request.url));
    return callVpcService(this.env, service.tunnelId, request, route);
  }
}
