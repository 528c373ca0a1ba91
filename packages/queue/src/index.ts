export * from './redis-connection';
export * from './keys';
export * from './recognition-flow';
export * from './workers';
export * from './queue-stats';
export * from './queue-board';
export * from './webhook-queue';
