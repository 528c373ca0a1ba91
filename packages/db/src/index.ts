export * from './create-database';
export * from './migrate';
export * from './api-keys';
export * from './accounts';
export * from './passwords';
export { PrismaClient, Prisma } from './generated/prisma/client';
export type { User, Account, ApiKey, UsageDay } from './generated/prisma/client';
export type { RegisteredVehicle, VehicleCacheEntry } from './generated/prisma/client';
export { Plan } from './generated/prisma/enums';
