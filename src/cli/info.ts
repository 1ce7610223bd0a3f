import { backend, backendLoadError, availableBackends, AUTO_ORDER } from '../core/backend/registry.js';

/** `overparam info`: the active backend, its threads, dtypes and libraries, and why others do not load. */
export function infoText(json: boolean): string {
  const b = backend();
  const info = b.info();
  const available = availableBackends();
  const unavailable = AUTO_ORDER.filter((n) => !available.includes(n)).map((n) => ({ name: n, reason: backendLoadError(n) ?? 'not registered' }));
  const record = {
    package: 'overparam',
    node: process.version,
    backend: info.name,
    threads: info.threads,
    dtypes: info.dtypes,
    defaultDtype: 'f64',
    library: info.library,
    details: info.details,
    available,
    unavailable,
    lapack: b.lapack ? 'backend LAPACK kernels' : 'overparam TypeScript algorithms (core/linalg) on the backend gemm',
  };
  if (json) return JSON.stringify(record, null, 2) + '\n';
  const lines = [
    `backend:     ${record.backend}`,
    `threads:     ${record.threads}`,
    `dtypes:      ${record.dtypes.join(', ')} (default f64)`,
    `library:     ${record.library}`,
    ...Object.entries(record.details).map(([k, v]) => `  ${k}: ${v}`),
    `linalg:      ${record.lapack}`,
    `available:   ${available.join(', ')}`,
    ...unavailable.map((u) => `unavailable: ${u.name} (${u.reason})`),
    `node:        ${record.node}`,
  ];
  return lines.join('\n') + '\n';
}
