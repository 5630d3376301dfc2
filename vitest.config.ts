import { mkdtempSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
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
    // Vitest's default is one worker fewer than the cores (one worker on a 2-core machine), but
    // most test files wait on the processes they start (the binary, tmux, npm pack), not on the
    // CPU: one more worker than cores took the suite from 66 s to 38 s on 2 cores
    maxWorkers: availableParallelism() + 1,
  },
});
