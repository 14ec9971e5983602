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
  type ZoneDnsConfig,
  ZoneDnsClient,
  type ZoneDnsRecord,
  zoneDnsConfigFrom,
} from "./zone-dns";
