/** Why an outbound request was not made or not finished. */
export type OutboundFailureReason =
  | 'INVALID_URL'
  | 'SCHEME_NOT_ALLOWED'
  | 'ADDRESS_NOT_ALLOWED'
  | 'DNS_FAILED'
  | 'CONNECTION_FAILED'
  | 'TOO_MANY_REDIRECTS'
  | 'TIMEOUT'
  | 'TOO_LARGE';

/** Failures that may pass if the same request is tried again later (the receiver may come back). */
const RETRYABLE: ReadonlySet<OutboundFailureReason> = new Set(['DNS_FAILED', 'CONNECTION_FAILED', 'TIMEOUT']);

/**
 * The one failure of `safeFetch`. `reason` says what happened; `url` is the hop that failed (after
 * redirects it is not the URL the caller gave). The message is safe to show to the user who named the URL:
 * it says which kind of address was refused, never anything read from inside our network.
 */
export class OutboundError extends Error {
  override readonly name = 'OutboundError';

  constructor(
    readonly reason: OutboundFailureReason,
    message: string,
    readonly url?: string,
  ) {
    super(message);
  }

  /** A refusal (our rule, not the receiver's state) never turns into a success by trying again. */
  get retryable(): boolean {
    return RETRYABLE.has(this.reason);
  }
}
