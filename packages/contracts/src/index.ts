export * from './errors';
export * from './recognition';
export * from './jobs';
export * from './http';
export * from './webhooks';
export * from './statistics';
export * from './plate-reader';
