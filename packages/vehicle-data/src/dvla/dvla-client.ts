import {
  BrokenCircuitError,
  CircuitState,
  ConsecutiveBreaker,
  ExponentialBackoff,
  TaskCancelledError,
  TimeoutStrategy,
  circuitBreaker,
  type IBackoffFactory,
  type IRetryBackoffContext,
  handleWhen,
  retry,
  timeout,
  wrap,
} from 'cockatiel';
import { normalisePlate } from '../normalise';

/** The DVLA Vehicle Enquiry Service's answer for one vehicle (the fields it documents; all optional). */
export type DvlaVehicle = {
  registrationNumber?: string;
  make?: string;
  colour?: string;
  yearOfManufacture?: number;
  fuelType?: string;
  taxStatus?: string;
  taxDueDate?: string;
  motStatus?: string;
  motExpiryDate?: string;
  co2Emissions?: number;
  engineCapacity?: number;
  monthOfFirstRegistration?: string;
  markedForExport?: boolean;
  typeApproval?: string;
  wheelplan?: string;
  dateOfLastV5CIssued?: string;
  euroStatus?: string;
  realDrivingEmissions?: string;
  revenueWeight?: number;
};

export type DvlaAnswer = { found: true; vehicle: DvlaVehicle } | { found: false };

/**
 * The DVLA could not answer (outage, timeout, rate limit, rejected key, open circuit). Callers
 * degrade to cached data or no vehicle data; this never fails recognition.
 */
export class DvlaUnavailableError extends Error {
  /** How long DVLA asked to be left alone (its Retry-After header), ms. */
  readonly retryAfterMs?: number;
  private readonly givenUp: boolean;
  constructor(
    message: string,
    readonly status?: number,
    options?: { cause?: unknown; retryAfterMs?: number; giveUp?: boolean },
  ) {
    super(message, options);
    this.name = 'DvlaUnavailableError';
    this.retryAfterMs = options?.retryAfterMs;
    this.givenUp = options?.giveUp ?? false;
  }
  /** Worth another attempt: 429, 5xx, timeouts and network failures, unless DVLA asked for a wait this lookup cannot afford. */
  get transient(): boolean {
    return !this.givenUp && (this.status === undefined || this.status === 429 || this.status >= 500);
  }
}

/** A Retry-After value (delay-seconds or an HTTP date) as ms from `now`; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  const v = value?.trim();
  if (!v) return undefined;
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** The delay DVLA asked for (Retry-After) when it gave one, else the usual backoff. */
function retryAfterOr(usual: IBackoffFactory<IRetryBackoffContext<unknown>>): IBackoffFactory<IRetryBackoffContext<unknown>> {
  return {
    next(context) {
      const fallback = usual.next(context);
      const err = 'error' in context.result ? context.result.error : undefined;
      const asked = err instanceof DvlaUnavailableError ? err.retryAfterMs : undefined;
      return { duration: asked ?? fallback.duration, next: (c) => retryAfterOr(fallback).next(c) };
    },
  };
}

export type DvlaClientOptions = {
  apiKey: string;
  /** e.g. https://driver-vehicle-licensing.api.gov.uk (production), the UAT host, or a test double */
  baseUrl: string;
  /** per attempt, ms */
  timeoutMs?: number;
  /** attempts in all, the first included */
  maxAttempts?: number;
  /** first backoff delay, ms (doubles, with jitter) */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** consecutive failed attempts that open the circuit */
  breakerThreshold?: number;
  /** how long the circuit stays open before one trial request, ms */
  breakerOpenMs?: number;
  fetch?: typeof fetch;
  onCircuitChange?: (state: 'open' | 'half-open' | 'closed') => void;
};

const firstError = (body: unknown): string | null => {
  const e = (body as { errors?: Array<{ status?: string; code?: string; title?: string; detail?: string }> } | null)?.errors?.[0];
  return e ? [e.code, e.title, e.detail].filter(Boolean).join(' ') : null;
};

/**
 * A client for the DVLA Vehicle Enquiry Service: `POST {baseUrl}/vehicle-enquiry/v1/vehicles`.
 * 404 (no such vehicle) and 400 (not a valid registration) are answers, not failures. 429 and 5xx
 * are retried with exponential backoff (or after the wait a 429/503 asks for in Retry-After, when
 * the lookup can afford it); every attempt has a timeout; and a circuit breaker stops calling a
 * DVLA that keeps failing, so an outage costs one fast error per lookup, not a stall.
 */
export function createDvlaClient(options: DvlaClientOptions) {
  const doFetch = options.fetch ?? fetch;
  const url = `${options.baseUrl.replace(/\/+$/, '')}/vehicle-enquiry/v1/vehicles`;
  const isTransient = (err: Error) => (err instanceof DvlaUnavailableError && err.transient) || err instanceof TaskCancelledError;
  const timeoutMs = options.timeoutMs ?? 2000;
  const maxAttempts = Math.max(1, options.maxAttempts ?? 3);
  const maxBackoffMs = options.maxBackoffMs ?? 2000;
  // The longest one lookup takes without Retry-After: every attempt timing out, every backoff at
  // its cap. A wait DVLA asks for is taken only if the lookup still ends within this, so honouring
  // Retry-After never holds a plate's answer (and the recognition waiting on it) longer than before.
  const budgetMs = maxAttempts * timeoutMs + (maxAttempts - 1) * maxBackoffMs;

  const retryPolicy = retry(handleWhen(isTransient), {
    maxAttempts: maxAttempts - 1,
    backoff: retryAfterOr(new ExponentialBackoff({ initialDelay: options.backoffMs ?? 200, maxDelay: maxBackoffMs })),
  });
  // every failed attempt counts, a rejected key (401/403) included: no point hammering either
  const breaker = circuitBreaker(handleWhen((err) => err instanceof DvlaUnavailableError || err instanceof TaskCancelledError), {
    halfOpenAfter: options.breakerOpenMs ?? 30_000,
    breaker: new ConsecutiveBreaker(options.breakerThreshold ?? 5),
  });
  breaker.onStateChange((state) => {
    const name = state === CircuitState.Open || state === CircuitState.Isolated ? 'open' : state === CircuitState.HalfOpen ? 'half-open' : 'closed';
    options.onCircuitChange?.(name);
  });
  const perAttempt = timeout(timeoutMs, TimeoutStrategy.Aggressive);
  const policy = wrap(retryPolicy, breaker, perAttempt);

  /** The error for a 429/503 that carries Retry-After: retried after that wait, or given up on when it does not fit the budget. */
  function askedToWait(message: string, status: number, waitMs: number, attemptIndex: number, startedAt: number): DvlaUnavailableError {
    const retriesLeft = maxAttempts - 1 - attemptIndex;
    // the wait, then the remaining attempts all timing out with capped backoffs between them
    const worstEnd = performance.now() - startedAt + waitMs + retriesLeft * timeoutMs + Math.max(0, retriesLeft - 1) * maxBackoffMs;
    if (retriesLeft > 0 && worstEnd > budgetMs) {
      return new DvlaUnavailableError(`${message}; it asked to wait ${Math.ceil(waitMs / 1000)} s, more than a lookup may take, so not retrying`, status, { retryAfterMs: waitMs, giveUp: true });
    }
    return new DvlaUnavailableError(message, status, { retryAfterMs: waitMs });
  }

  async function attempt(registrationNumber: string, signal: AbortSignal, attemptIndex: number, startedAt: number): Promise<DvlaAnswer> {
    let res: Response;
    try {
      res = await doFetch(url, {
        method: 'POST',
        headers: { 'x-api-key': options.apiKey, 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ registrationNumber }),
        signal,
      });
    } catch (err) {
      if (signal.aborted) throw new TaskCancelledError(`DVLA did not answer within ${timeoutMs} ms`);
      throw new DvlaUnavailableError(`DVLA unreachable: ${(err as Error).message}`, undefined, { cause: err });
    }
    const text = await res.text().catch(() => '');
    let body: unknown = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      // an HTML error page from a proxy: the status says enough
    }
    if (res.status === 200) {
      if (!body || typeof body !== 'object') throw new DvlaUnavailableError('DVLA answered 200 without a JSON vehicle', 502);
      return { found: true, vehicle: body as DvlaVehicle };
    }
    if (res.status === 404 || res.status === 400) return { found: false };
    const message = `DVLA answered ${res.status}${firstError(body) ? `: ${firstError(body)}` : ''}`;
    const waitMs = res.status === 429 || res.status === 503 ? parseRetryAfter(res.headers.get('retry-after')) : undefined;
    if (waitMs !== undefined) throw askedToWait(message, res.status, waitMs, attemptIndex, startedAt);
    throw new DvlaUnavailableError(message, res.status);
  }

  return {
    /** Looks up one registration (spaces and case do not matter). Throws DvlaUnavailableError when DVLA cannot answer. */
    async lookup(plate: string): Promise<DvlaAnswer> {
      const registrationNumber = normalisePlate(plate);
      const startedAt = performance.now();
      try {
        return await policy.execute(({ signal, attempt: index }) => attempt(registrationNumber, signal, index, startedAt));
      } catch (err) {
        if (err instanceof DvlaUnavailableError) throw err;
        if (err instanceof BrokenCircuitError) throw new DvlaUnavailableError('DVLA circuit open after repeated failures; not calling it for now', undefined, { cause: err });
        if (err instanceof TaskCancelledError) throw new DvlaUnavailableError(`DVLA did not answer within ${timeoutMs} ms`, undefined, { cause: err });
        throw new DvlaUnavailableError(`DVLA lookup failed: ${(err as Error).message}`, undefined, { cause: err });
      }
    },
    /** 'closed' (calling DVLA), 'open' (not calling it) or 'half-open' (trying one request). */
    get circuit(): 'open' | 'half-open' | 'closed' {
      const s = breaker.state;
      return s === CircuitState.Open || s === CircuitState.Isolated ? 'open' : s === CircuitState.HalfOpen ? 'half-open' : 'closed';
    },
  };
}

export type DvlaClient = ReturnType<typeof createDvlaClient>;
