// Streams that make and swallow bytes at memory speed, for the media benchmarks.
import { randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';

export const MiB = 1024 * 1024;

/** `total` bytes made from `block` repeated; a fresh random block unless given one. */
export function repeatingSource(total: number, block: Buffer = randomBytes(MiB)): Readable {
  let sent = 0;
  return new Readable({
    highWaterMark: block.length,
    read() {
      if (sent >= total) return void this.push(null);
      const n = Math.min(block.length, total - sent);
      sent += n;
      this.push(n === block.length ? block : block.subarray(0, n));
    },
  });
}

/** A writable that drops everything. */
export function nullSink(): Writable {
  return new Writable({
    highWaterMark: MiB,
    write(_chunk, _enc, cb) {
      cb();
    },
  });
}
