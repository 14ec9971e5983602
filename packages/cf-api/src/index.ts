export {
  API_ERROR_CODES,
  ApiError,
  type ApiErrorDetail,
  type ApiErrorName,
  errorResponse,
  failureBody,
  successBody,
} from "./envelope";
export {
  ZoneDnsClient,
  type ZoneDnsConfig,
  type ZoneDnsRecord,
  zoneDnsConfigFrom,
} from "./zone-dns";
