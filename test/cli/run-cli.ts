import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/main.js';

/** Running the CLI from tests: as a child process (`node bin/overparam.js`) or through main() in this process. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const BIN = path.join(ROOT, 'bin', 'overparam.js');

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** The built CLI in `cwd` with `backend` as OVERPARAM_BACKEND (async, so independent runs overlap on the cores). */
export function spawnCli(cwd: string, backend: string, args: readonly string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, OVERPARAM_BACKEND: backend } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('error', reject);
    p.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/**
 * `main(argv)` of the CLI in this process, in `cwd`, with stdout/stderr captured. process.exitCode is
 * isolated: main() reports it, and the test runner sets it after a failed test.
 */
export async function inProcessCli(cwd: string, args: readonly string[]): Promise<CliResult> {
  const here = process.cwd();
  const out = { stdout: '', stderr: '' };
  const [w1, w2] = [process.stdout.write, process.stderr.write];
  const code = process.exitCode;
  process.exitCode = undefined;
  process.stdout.write = ((s: string) => ((out.stdout += s), true)) as typeof process.stdout.write;
  process.stderr.write = ((s: string) => ((out.stderr += s), true)) as typeof process.stderr.write;
  try {
    process.chdir(cwd);
    return { status: await main(['node', 'overparam', ...args]), ...out };
  } finally {
    process.chdir(here);
    process.stdout.write = w1;
    process.stderr.write = w2;
    process.exitCode = code;
  }
}
