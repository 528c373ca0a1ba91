export * from './errors';
export * from './recognition';
export * from './jobs';
export * from './http';
