// The recogniser's tests: `unit` (src/**/*.test.ts, synthetic inputs, no models needed) and
// `integration` (test/**/*.test.ts: real ONNX models and the dev photos in ../shared).
// The root jest config ignores this package; run these with `pnpm --filter @npr/recognition test`.
const transform = { '^.+\\.(t|j)sx?$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }] };
const common = {
  rootDir: __dirname,
  transform,
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'json'],
  transformIgnorePatterns: ['/node_modules/'],
};

module.exports = {
  projects: [
    { ...common, displayName: 'recognition-unit', testMatch: ['<rootDir>/src/**/*.test.ts'] },
    { ...common, displayName: 'recognition-integration', testMatch: ['<rootDir>/test/**/*.test.ts'], testEnvironment: '<rootDir>/test/onnx-test-environment.js' },
  ],
};
