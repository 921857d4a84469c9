export declare const ROOT: string;
export declare const BUNDLES: string;
/** A digest of every file under `dir` (default src/): paths, sizes, modification times. */
export declare function sourcesKey(dir?: string): string;
/** The bundled CLI's main module for the sources as they are, built if need be; null if none can be had. */
export declare function cliBundle(): Promise<string | null>;
