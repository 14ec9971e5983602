export {
  API_ERROR_CODES,
  ApiError,
  type ApiErrorDetail,
  type ApiErrorName,
  connectorRefusal,
  envelopeResponse,
  errorResponse,
  failureBody,
  JSON_CONTENT_TYPE,
  listBody,
  quoted,
  type ResultInfo,
  successBody,
} from "./envelope";
export {
  ZoneDnsClient,
  type ZoneDnsConfig,
  type ZoneDnsRecord,
  zoneDnsConfigFrom,
} from "./zone-dns";
