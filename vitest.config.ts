import { defineConfig } from 'vitest/config';

import { resolve } from 'node:path';

export default defineConfig({
  test: {
    // Tests load the provisioned offline extension binaries (npm run provision:extensions).
    env: { LAKEHOUSE_DUCKDB_EXTENSIONS: process.env.LAKEHOUSE_DUCKDB_EXTENSIONS ?? resolve('.duckdb-extensions') },
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'], testTimeout: 20_000 },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/integration/setup/azurite.global.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // DuckDB and Azurite are heavy; two cores here.
          fileParallelism: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.e2e.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
