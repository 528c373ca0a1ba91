// Two projects: `unit` (*.test.ts next to the code, no services needed) and `integration`
// (services/*/test, packages/*/test: real Redis, PostgreSQL and ONNX models). Both transpile
// TypeScript with SWC. The recogniser's tests are part of both, like every other package's.
const transform = { '^.+\\.(t|j)sx?$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }] };
const common = {
  transform,
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'json'],
  transformIgnorePatterns: ['/node_modules/'],
  testPathIgnorePatterns: ['/node_modules/'],
};

module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/packages/*/src/**/*.test.ts', '<rootDir>/services/*/src/**/*.test.ts', '<rootDir>/infra/test/unit/**/*.test.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/services/*/test/**/*.test.ts', '<rootDir>/packages/*/test/**/*.test.ts', '<rootDir>/infra/test/integration/**/*.test.ts', '<rootDir>/scripts/test/**/*.test.ts'],
      // the real models run here: ONNX Runtime's tensors must pass the test realm's typed-array checks
      testEnvironment: '<rootDir>/packages/recognition/test/onnx-test-environment.js',
    },
  ],
};
