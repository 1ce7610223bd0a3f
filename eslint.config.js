// Lint rules, including the layer boundaries of DESIGN.md: imports run core ← nn ← {train, diag} ← exp
// ← node ← cli (and exp ← web; report reads plain records only). A wrong import fails `npm test`.
import tseslint from 'typescript-eslint';

const NODE_BUILTINS = ['fs', 'path', 'os', 'child_process', 'worker_threads', 'url', 'crypto', 'http', 'https', 'net', 'stream', 'util', 'events', 'readline', 'module', 'process', 'buffer', 'zlib', 'perf_hooks', 'assert', 'v8', 'vm', 'tty', 'cluster', 'dgram', 'dns', 'timers'];
const nodeBan = [
  { group: ['node:*'], message: 'node: modules are only allowed in src/node and src/cli (the core must run in a browser).' },
  ...NODE_BUILTINS.map((m) => ({ group: [m, `${m}/*`], message: 'Node built-ins are only allowed in src/node and src/cli.' })),
  { group: ['koffi'], message: 'FFI is only allowed in src/node.' },
];
const layer = (name) => ({ group: [`**/${name}/*`, `**/${name}`], message: `this layer may not import src/${name} (DESIGN.md import direction).` });

/** Per source folder: the layers it must not import. */
const forbidden = {
  core: ['nn', 'train', 'diag', 'exp', 'report', 'node', 'cli'],
  nn: ['train', 'diag', 'exp', 'report', 'node', 'cli'],
  train: ['diag', 'exp', 'report', 'node', 'cli'],
  diag: ['train', 'exp', 'report', 'node', 'cli'],
  exp: ['node', 'cli'],
  report: ['core', 'nn', 'train', 'diag', 'exp', 'node', 'cli'],
  node: ['cli'],
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'asm/**', 'src/core/backend/wasm/kernels.generated.ts'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-properties': ['error', { object: 'Math', property: 'random', message: 'Use a seeded Rng (src/core/rng.ts).' }],
    },
  },
  ...Object.entries(forbidden).map(([dir, banned]) => ({
    files: [`src/${dir}/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [...(dir === 'node' ? [] : nodeBan), ...banned.map(layer)] },
      ],
    },
  })),
);
