/**
 * Streams chunks to `<path>.partial` with backpressure and publishes the file under `<path>` only when
 * it is complete, so a crash or an error never leaves a truncated file that looks finished.
 */
import { createWriteStream } from 'node:fs';
import type { WriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { once } from 'node:events';

export class StagedFileWriter {
  readonly path: string;
  private readonly partialPath: string;
  private readonly stream: WriteStream;
  private blocked = false;
  private failure: Error | null = null;

  constructor(path: string) {
    this.path = path;
    this.partialPath = `${path}.partial`;
    this.stream = createWriteStream(this.partialPath, { highWaterMark: 1 << 22 });
    this.stream.on('error', (err) => {
      this.failure ??= err;
    });
  }

  /** True when the file system is behind; await `drain()` before handing over much more. */
  get needsDrain(): boolean {
    return this.blocked || this.failure !== null;
  }

  write(chunk: Uint8Array | string): void {
    if (chunk.length === 0) return;
    if (!this.stream.write(chunk)) this.blocked = true;
  }

  async drain(): Promise<void> {
    if (this.failure) throw this.failure;
    // The stream may have drained already (say, while the caller awaited another writer): waiting
    // for a 'drain' that was already emitted would hang, so ask the stream instead of our flag.
    if (this.stream.writableNeedDrain && !this.stream.destroyed) {
      // once() rejects if the stream emits 'error' while we wait.
      await once(this.stream, 'drain');
    }
    this.blocked = false;
    if (this.failure) throw this.failure;
  }

  /** Flushes and closes the partial file; returns its size in bytes. */
  async close(): Promise<number> {
    if (this.failure) throw this.failure;
    const closed = once(this.stream, 'close');
    this.stream.end();
    await closed;
    if (this.failure) throw this.failure;
    return this.stream.bytesWritten;
  }

  /** Gives the closed file its final name. */
  async publish(): Promise<void> {
    if (!this.stream.closed) throw new Error(`close ${this.path} before publishing it`);
    await rename(this.partialPath, this.path);
  }

  /** Stops writing and removes the partial file (a published file is left alone). */
  async abort(): Promise<void> {
    if (!this.stream.destroyed) {
      const closed = once(this.stream, 'close');
      this.stream.destroy();
      await closed.catch(() => undefined);
    }
    await rm(this.partialPath, { force: true });
  }
}
