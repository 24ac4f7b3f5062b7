// Unit tests sit beside the code they check (src/**/*.test.ts); integration and e2e (real Chromium)
// tests live in tests/.
// TypeScript is compiled by SWC to CommonJS for jest, so source imports keep their NodeNext `.js`
// suffixes and the mapper below points them back at the `.ts` files. (The mapper only rewrites
// relative imports, so packages keep their own `.js` files.)
export default {
  testEnvironment: 'node',
  roots: ['<rootDir>/src', '<rootDir>/tests'],
  testMatch: [
    '<rootDir>/src/**/*.test.ts',
    '<rootDir>/src/**/*.test.tsx',
    '<rootDir>/tests/unit/**/*.test.ts',
    '<rootDir>/tests/integration/**/*.test.ts',
    '<rootDir>/tests/e2e/**/*.test.ts',
  ],
  transform: {
    '^.+\\.(t|j|mj)s$': [
      '@swc/jest',
      { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } },
    ],
    '^.+\\.tsx$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript', tsx: true },
          target: 'es2022',
          transform: { react: { runtime: 'automatic' } },
        },
        module: { type: 'commonjs' },
      },
    ],
  },
  // ESM-only packages jest must compile to CommonJS too: msw's dependencies (rettime, @open-draft/*,
  // until-async); jose (the hub verifies providers' and staff JWTs with it); oidc-provider (the
  // sandbox's staff sign-in; 8.x, the line that supports Node 20) with its ESM dependencies (got and
  // its helpers, nanoid, quick-lru); and fhir-kit-client (the hub's delivery client), whose package
  // exports only an `import` condition (so it is mapped by path).
  transformIgnorePatterns: [
    '/node_modules/(?!(rettime|@open-draft|until-async|jose|fhir-kit-client|oidc-provider|got|@sindresorhus|@szmarczak|cacheable-lookup|cacheable-request|form-data-encoder|lowercase-keys|mimic-response|nanoid|normalize-url|p-cancelable|quick-lru|responselike)/)',
  ],
  moduleNameMapper: {
    '^fhir-kit-client$': '<rootDir>/node_modules/fhir-kit-client/dist/index.js',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  reporters: ['default', '<rootDir>/tests/summary-reporter.cjs'],
};
