export * from './services';
export * from './images';
export * from './dev-photos';
export * from './models';
