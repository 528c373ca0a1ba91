export * from './services';
export * from './images';
