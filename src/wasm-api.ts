/** The slice of the WebAssembly JS API used here (tsconfig's libs do not declare it). */
export interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: object) => { exports: unknown };
  Memory: new (descriptor: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
}

/** A compiled module: instantiated once per thread, and sent to worker threads as it is. */
export type WasmModule = object;

/** A module's memory (its buffer is a SharedArrayBuffer when the memory is shared). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  /** Adds `pages` of 64 KiB; throws a RangeError when the memory cannot grow that far. */
  grow(pages: number): number;
}

export const webAssembly = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** The module in `base64`, or null when this runtime cannot compile it (no SIMD, say). */
export function compileBase64(base64: string): WasmModule | null {
  try {
    const bytes = Buffer.from(base64, 'base64');
    if (!webAssembly.validate(bytes)) return null;
    return new webAssembly.Module(bytes);
  } catch {
    return null;
  }
}

/** A module instance's exports, or null when this runtime cannot compile it (no SIMD, say). */
export function instantiateBase64<T>(base64: string): T | null {
  const module = compileBase64(base64);
  if (module === null) return null;
  try {
    return new webAssembly.Instance(module, {}).exports as T;
  } catch {
    return null;
  }
}
