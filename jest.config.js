// Unit tests sit beside their code (*.test.ts); e2e tests (e2e/**/*.e2e.test.ts) need a real etcd.
// @swc/jest transpiles only; `npm run typecheck` is the type check. ESM-only packages
// (@kubernetes/client-node and its dependencies) are let through the transform.
const esmOnly = ['@kubernetes', 'openid-client', 'oauth4webapi', 'jose'].join('|');
const transform = {
  '^.+\\.(t|j)sx?$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }],
};
const common = {
  transform,
  transformIgnorePatterns: [`/node_modules/(?!(${esmOnly})/)`],
  testEnvironment: 'node',
};
module.exports = {
  // The e2e suites mostly wait on etcd and child processes: two workers halve the wall time on the
  // 2-core machines this runs on (Jest's default there is one), with every deadline still generous.
  maxWorkers: 2,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/{pkg,controllers,dev,config,manifests}/**/*.test.ts', '<rootDir>/main.test.ts'] },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/e2e/**/*.e2e.test.ts'], slowTestThreshold: 30 },
  ],
};
