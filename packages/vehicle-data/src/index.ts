// Vehicle data for recognised plates, as vehicle-lookup and `npr vehicles` use it. Database code
// takes the Prisma client as an argument, except openVehicleDatabase, which opens it.
export * from './normalise';
export * from './parse-registry-csv';
export * from './operator-registry';
export * from './vehicle-cache';
export * from './dvla/dvla-client';
export * from './describe-vehicle';
export * from './vehicle-type';
export * from './colour/palette';
export * from './open-vehicle-database';
export * from './vehicles-command';
