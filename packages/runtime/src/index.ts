export * from './logger';
export * from './config';
export * from './shutdown';
export * from './health';
export * from './metrics';
