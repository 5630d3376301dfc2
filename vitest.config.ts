import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { defineConfig } from 'vitest/config';

// The runs the tests start keep their --kb cache out of the user's home: a folder of this test run
// (inherited by every child that is given the test process's environment).
process.env.XDG_CACHE_HOME = mkdtempSync(join(tmpdir(), 'fa-test-cache-'));

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
