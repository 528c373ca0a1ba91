import { Router, type Response } from 'express';
import type { PlateRecognizerStatistics } from '@npr/contracts';
import { accountStatistics, type PrismaClient } from '@npr/db';
import type { AuthContext } from './authenticate-api-key';

/**
 * GET /statistics: the account's billed images this month and today, per key, with the plan's
 * limits and what is left (the numbers the dashboard's usage page shows).
 */
export function statisticsRoutes(deps: { prisma: PrismaClient; now: () => Date }): Router {
  const router = Router();
  router.get('/statistics', async (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json(await statisticsFor(deps, res));
  });
  return router;
}

/** GET /v1/statistics/ in Plate Recognizer's shape (calls this month, the month's allowance, when it resets). */
export function plateRecognizerStatisticsRoutes(deps: { prisma: PrismaClient; now: () => Date }): Router {
  const router = Router();
  router.get(['/statistics', '/statistics/'], async (_req, res) => {
    const stats = await statisticsFor(deps, res);
    const now = deps.now();
    const body: PlateRecognizerStatistics = {
      usage: { year: now.getUTCFullYear(), month: now.getUTCMonth() + 1, calls: stats.month.images, resets_on: stats.month.resets_at.replace('.000Z', 'Z') },
      total_calls: stats.plan.monthly_quota,
    };
    res.setHeader('Cache-Control', 'no-store');
    res.json(body);
  });
  return router;
}

function statisticsFor(deps: { prisma: PrismaClient; now: () => Date }, res: Response) {
  const auth = res.locals.auth as AuthContext;
  return accountStatistics(deps.prisma, auth.accountId, deps.now(), auth.limit);
}
