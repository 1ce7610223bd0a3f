#!/usr/bin/env node
// Entry point of the `overparam` command; the CLI itself is src/cli/main.ts (compiled to dist/).
let cli;
try {
  cli = await import('../dist/src/cli/main.js');
} catch (e) {
  if (e && e.code === 'ERR_MODULE_NOT_FOUND' && String(e.message).includes('dist/src/cli/main.js')) {
    process.stderr.write('overparam: not built yet: run `npm run build` (npm ci does it) in the overparam folder\n');
    process.exit(2);
  }
  throw e;
}
process.exitCode = await cli.main(process.argv);
