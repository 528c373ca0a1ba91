import type { RequestHandler, Response } from 'express';

/**
 * The phases of a recognition request the gateway times. `upload` is reading the body (as fast as the
 * client sends it); `recognition` is the wait for the queue, the inference worker and the vehicle lookup.
 */
export type TimedPhase = 'auth' | 'upload' | 'rate' | 'validate' | 'enqueue' | 'recognition' | 'bill';

/** Milliseconds per phase of one request, summed when a phase runs more than once (a batch's images). */
export class RequestTiming {
  private readonly started = performance.now();
  private readonly phases = new Map<TimedPhase, number>();

  add(phase: TimedPhase, ms: number): void {
    this.phases.set(phase, (this.phases.get(phase) ?? 0) + ms);
  }

  async measure<T>(phase: TimedPhase, work: () => Promise<T>): Promise<T> {
    const t = performance.now();
    try {
      return await work();
    } finally {
      this.add(phase, performance.now() - t);
    }
  }

  /** The Server-Timing header's value: every phase that ran, then `total` up to the moment it is sent. */
  header(): string {
    const entries = [...this.phases, ['total', performance.now() - this.started] as const];
    return entries.map(([name, ms]) => `${name};dur=${ms.toFixed(1)}`).join(', ');
  }
}

/** The request's timing (a detached one when the middleware did not run, as in route unit tests). */
export function timingOf(res: Response): RequestTiming {
  return (res.locals.timing as RequestTiming | undefined) ?? (res.locals.timing = new RequestTiming());
}

/**
 * Sends W3C `Server-Timing` with every answer: where the gateway's time went (browser devtools show it;
 * `pnpm bench` reads it to split end-to-end latency into hops). The header is set as the status line
 * is written, whichever way the answer is sent, errors included.
 */
export function serverTiming(): RequestHandler {
  return (_req, res, next) => {
    const timing = timingOf(res);
    const writeHead = res.writeHead;
    res.writeHead = function (this: Response, ...args: Parameters<Response['writeHead']>) {
      if (!this.headersSent) this.setHeader('Server-Timing', timing.header());
      return writeHead.apply(this, args);
    } as Response['writeHead'];
    next();
  };
}

/** Times a middleware as `phase`: from its call until it passes the request on (or fails it). */
export function timed(phase: TimedPhase, middleware: RequestHandler): RequestHandler {
  return (req, res, next) => {
    const t = performance.now();
    const done = (err?: unknown) => {
      timingOf(res).add(phase, performance.now() - t);
      next(err);
    };
    return middleware(req, res, done);
  };
}
