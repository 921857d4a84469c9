/** The slice of the WebAssembly JS API used here (tsconfig's libs do not declare it). */
export interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}

/** A module's exported memory. */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  /** Adds `pages` of 64 KiB; throws a RangeError when the memory cannot grow that far. */
  grow(pages: number): number;
}

export const webAssembly = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** A module instance's exports, or null when this runtime cannot compile it (no SIMD, say). */
export function instantiateBase64<T>(base64: string): T | null {
  try {
    const bytes = Buffer.from(base64, 'base64');
    if (!webAssembly.validate(bytes)) return null;
    return new webAssembly.Instance(new webAssembly.Module(bytes), {}).exports as T;
  } catch {
    return null;
  }
}
