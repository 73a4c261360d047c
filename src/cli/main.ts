#!/usr/bin/env node
import { processIo } from './io.js';
import { run } from './program.js';

// A closed pipe (`bulwark scan . | head`) is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
});

// exitCode, not exit(): pending writes to stdout and stderr are flushed first.
process.exitCode = await run(process.argv.slice(2), processIo());
