// @burrow/registry: the D1 schema's typed queries, shared by the Workers. Migrations live in
// ../migrations; see README.md for the conns_inactive_at convention.
export {
  API_TOKEN_SCOPES,
  type ApiToken,
  type ApiTokenScope,
  createApiToken,
  findApiTokenByHash,
  listApiTokens,
  revokeApiToken,
} from "./api-tokens";
export {
  type AuditEntry,
  type AuditEvent,
  appendAudit,
  listAccountAudit,
  listAudit,
} from "./audit-log";
export { chunk, MAX_BOUND_PARAMETERS } from "./batch";
export { type ConnectorCheck, checkConnectorCredentials } from "./connector-credentials";
export {
  addDnsRecord,
  type DnsRecord,
  deleteDnsRecord,
  listDnsRecords,
  type NewDnsRecord,
  normalizeHostname,
  setZoneRecordId,
} from "./dns-records";
export {
  deleteTunnelWithRoutes,
  getDnsRecord,
  type RouteOutcome,
  routeHostname,
  unrouteHostname,
} from "./dns-routes";
export {
  HostnameTakenError,
  TunnelNameTakenError,
  TunnelNotFoundError,
  VpcServiceNameTakenError,
} from "./errors";
export {
  getTunnelConfiguration,
  listTunnels,
  putTunnelConfiguration,
  renameTunnel,
  rotateTunnelSecret,
  type TunnelConfiguration,
  type TunnelListFilter,
  type TunnelPage,
} from "./named-tunnels";
export {
  type HostnameChoice,
  provisionTunnel,
  type ZoneRecordWriter,
} from "./provision-tunnel";
export {
  PURGE_DELETED_SECRETS_SQL,
  PURGED_SECRET_HASH,
  purgeDeletedSecrets,
} from "./retention";
export { hashSecret, secretMatches } from "./secret";
export {
  type ConfigSource,
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
  routeCandidates,
  type Tunnel,
  type TunnelKind,
} from "./tunnels";
export {
  createVpcService,
  DEFAULT_HTTP_PORT,
  DEFAULT_HTTPS_PORT,
  deleteVpcService,
  getVpcService,
  type HttpVpcServiceConfig,
  listAccountVpcServices,
  listVpcServices,
  type TcpVpcServiceConfig,
  updateVpcService,
  type VpcService,
  type VpcServiceConfig,
  type VpcServiceHost,
  type VpcServicePage,
  type VpcServiceTls,
  type VpcServiceType,
  vpcServiceTunnelId,
} from "./vpc-services";
