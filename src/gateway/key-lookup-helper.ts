/**
 * A helper thread of a WebAssembly key lookup (key-lookup-wasm.ts): it instantiates the same
 * module over the same shared memory and takes units of each pass (key-lookup-work.ts) until the
 * lookup is dropped.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { webAssembly, type WasmMemory, type WasmModule } from '../wasm-api.ts';
import { helpLoop, type KeyLookupExports } from './key-lookup-work.ts';

const { module, memory, control } = workerData as { module: WasmModule; memory: WasmMemory; control: SharedArrayBuffer };
const x = new webAssembly.Instance(module, { env: { mem: memory } }).exports as KeyLookupExports;
parentPort?.postMessage('ready');
helpLoop(x, new Int32Array(control));
