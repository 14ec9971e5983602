// @burrow/registry: the D1 schema's typed queries, shared by the Workers. Migrations live in
// ../migrations; see README.md for the conns_inactive_at convention.
export { type AuditEntry, type AuditEvent, appendAudit, listAudit } from "./audit-log";
export { chunk, MAX_BOUND_PARAMETERS } from "./batch";
export {
  addDnsRecord,
  type DnsRecord,
  deleteDnsRecord,
  listDnsRecords,
  type NewDnsRecord,
  normalizeHostname,
  setZoneRecordId,
} from "./dns-records";
export { HostnameTakenError, TunnelNotFoundError, VpcServiceNameTakenError } from "./errors";
export {
  PURGE_DELETED_SECRETS_SQL,
  PURGED_SECRET_HASH,
  purgeDeletedSecrets,
} from "./retention";
export { hashSecret, secretMatches } from "./secret";
export {
  createTunnel,
  deleteTunnels,
  findTunnelByHostname,
  getTunnel,
  listReapableQuickTunnels,
  markConnected,
  markDisconnected,
  markTunnelDeleted,
  type NewTunnel,
  reapTunnels,
  type Tunnel,
  type TunnelKind,
} from "./tunnels";
export {
  createVpcService,
  deleteVpcService,
  getVpcService,
  listVpcServices,
  updateVpcService,
  type VpcService,
  type VpcServiceConfig,
  vpcServiceTunnelId,
} from "./vpc-services";
