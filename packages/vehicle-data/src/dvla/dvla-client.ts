import {
  BrokenCircuitError,
  CircuitState,
  ConsecutiveBreaker,
  ExponentialBackoff,
  TaskCancelledError,
  TimeoutStrategy,
  circuitBreaker,
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
  constructor(
    message: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DvlaUnavailableError';
  }
  /** Worth another attempt: 429, 5xx, timeouts and network failures. */
  get transient(): boolean {
    return this.status === undefined || this.status === 429 || this.status >= 500;
  }
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
 * are retried with exponential backoff; every attempt has a timeout; and a circuit breaker stops
 * calling a DVLA that keeps failing, so an outage costs one fast error per lookup, not a stall.
 */
export function createDvlaClient(options: DvlaClientOptions) {
  const doFetch = options.fetch ?? fetch;
  const url = `${options.baseUrl.replace(/\/+$/, '')}/vehicle-enquiry/v1/vehicles`;
  const isTransient = (err: Error) => (err instanceof DvlaUnavailableError && err.transient) || err instanceof TaskCancelledError;

  const retryPolicy = retry(handleWhen(isTransient), {
    maxAttempts: Math.max(0, (options.maxAttempts ?? 3) - 1),
    backoff: new ExponentialBackoff({ initialDelay: options.backoffMs ?? 200, maxDelay: options.maxBackoffMs ?? 2000 }),
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
  const perAttempt = timeout(options.timeoutMs ?? 2000, TimeoutStrategy.Aggressive);
  const policy = wrap(retryPolicy, breaker, perAttempt);

  async function attempt(registrationNumber: string, signal: AbortSignal): Promise<DvlaAnswer> {
    let res: Response;
    try {
      res = await doFetch(url, {
        method: 'POST',
        headers: { 'x-api-key': options.apiKey, 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ registrationNumber }),
        signal,
      });
    } catch (err) {
      if (signal.aborted) throw new TaskCancelledError(`DVLA did not answer within ${options.timeoutMs ?? 2000} ms`);
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
    throw new DvlaUnavailableError(`DVLA answered ${res.status}${firstError(body) ? `: ${firstError(body)}` : ''}`, res.status);
  }

  return {
    /** Looks up one registration (spaces and case do not matter). Throws DvlaUnavailableError when DVLA cannot answer. */
    async lookup(plate: string): Promise<DvlaAnswer> {
      const registrationNumber = normalisePlate(plate);
      try {
        return await policy.execute(({ signal }) => attempt(registrationNumber, signal));
      } catch (err) {
        if (err instanceof DvlaUnavailableError) throw err;
        if (err instanceof BrokenCircuitError) throw new DvlaUnavailableError('DVLA circuit open after repeated failures; not calling it for now', undefined, { cause: err });
        if (err instanceof TaskCancelledError) throw new DvlaUnavailableError(`DVLA did not answer within ${options.timeoutMs ?? 2000} ms`, undefined, { cause: err });
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
