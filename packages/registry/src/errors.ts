/** A DNS record for this hostname already exists (dns_records.hostname is the primary key). */
export class HostnameTakenError extends Error {
  override readonly name = "HostnameTakenError";
  constructor(readonly hostname: string) {
    super(`hostname ${hostname} is already routed to a tunnel`);
  }
}

/** A live tunnel with this name already exists in the account (Cloudflare's error 1013). */
export class TunnelNameTakenError extends Error {
  override readonly name = "TunnelNameTakenError";
  constructor(readonly tunnelName: string) {
    super(`a tunnel named ${tunnelName} already exists`);
  }
}

/** A VPC service with this name already exists (vpc_services.name is unique). */
export class VpcServiceNameTakenError extends Error {
  override readonly name = "VpcServiceNameTakenError";
  constructor(readonly serviceName: string) {
    super(`a VPC service named ${serviceName} already exists`);
  }
}

/** The row refers to a tunnel that does not exist (a foreign key on tunnels(id) failed). */
export class TunnelNotFoundError extends Error {
  override readonly name = "TunnelNotFoundError";
  constructor(readonly tunnelId: string) {
    super(`tunnel ${tunnelId} does not exist`);
  }
}

/**
 * True when a D1 error reports the given SQLite constraint failure. D1 surfaces SQLite's text in
 * the message, e.g. "D1_ERROR: UNIQUE constraint failed: dns_records.hostname: SQLITE_CONSTRAINT".
 */
export function isConstraintError(error: unknown, failure: string): boolean {
  for (let current = error; current instanceof Error; current = current.cause) {
    if (current.message.includes(failure)) return true;
  }
  return false;
}
