// Runtime imports here stay light (no Prisma client): the inference worker loads this package for
// the colour estimate. Database code takes the Prisma client as an argument.
export * from './normalise';
export * from './parse-registry-csv';
export * from './operator-registry';
export * from './vehicle-cache';
export * from './dvla/dvla-client';
export * from './describe-vehicle';
export * from './vehicle-type';
export * from './colour/lab';
export * from './colour/palette';
export * from './colour/estimate-vehicle-colour';
export * from './colour/observe-colours';
