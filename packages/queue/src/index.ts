export * from './redis-connection';
export * from './keys';
export * from './recognition-flow';
export * from './workers';
