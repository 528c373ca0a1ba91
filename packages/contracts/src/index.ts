export * from './errors';
export * from './recognition';
export * from './jobs';
export * from './http';
export * from './plate-reader';
