export { safeFetch, SAFE_FETCH_DEFAULTS, type SafeFetchOptions, type SafeResponse } from './safe-fetch';
export { OutboundError, type OutboundFailureReason } from './outbound-error';
export { parseAllowedHosts, forbiddenAddressKind, type AllowedHost } from './address-policy';
