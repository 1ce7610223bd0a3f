export * from './elementwise.js';
export * from './reduce.js';
export { broadcastShape } from './broadcast.js';
