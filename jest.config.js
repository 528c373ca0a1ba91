// Two projects: `unit` (*.test.ts next to the code, no services needed) and `integration`
// (services/*/test, real Redis and PostgreSQL on 127.0.0.1). Both transpile TypeScript with SWC.
const transform = { '^.+\\.(t|j)sx?$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }] };
const common = {
  transform,
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'json'],
  transformIgnorePatterns: ['/node_modules/'],
};

module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/packages/*/src/**/*.test.ts', '<rootDir>/services/*/src/**/*.test.ts', '<rootDir>/infra/test/unit/**/*.test.ts'], testPathIgnorePatterns: ['/node_modules/', '/packages/recognition/'] },
    { ...common, displayName: 'integration', testMatch: ['<rootDir>/services/*/test/**/*.test.ts', '<rootDir>/packages/*/test/**/*.test.ts', '<rootDir>/infra/test/integration/**/*.test.ts', '<rootDir>/scripts/test/**/*.test.ts'], testPathIgnorePatterns: ['/node_modules/', '/packages/recognition/'] },
  ],
};
