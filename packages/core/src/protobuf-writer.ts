// The few protobuf wire-format encoders the ONNX writers need (varint, length-delimited, packed
// float32; used by @fmnist/models' model export and @fmnist/data's Gram graph): ModelProto is a
// plain protobuf message, and a dependency on a protobuf runtime for five message types would be
// larger than this file.
//
// Wire format: every field is a key varint (field number << 3 | wire type) and a value; wire type
// 0 is a varint, 2 a length-delimited byte string (strings, bytes, sub-messages, packed arrays).

const VARINT = 0;
const LENGTH_DELIMITED = 2;

/** Appends protobuf fields to a growing byte buffer; `finish()` returns the message bytes. */
export class ProtoWriter {
  private chunks: Uint8Array[] = [];
  private scratch: number[] = [];
  private length = 0;

  private flushScratch(): void {
    if (this.scratch.length === 0) return;
    this.chunks.push(Uint8Array.from(this.scratch));
    this.length += this.scratch.length;
    this.scratch = [];
  }

  private pushBytes(b: Uint8Array): void {
    this.flushScratch();
    this.chunks.push(b);
    this.length += b.length;
  }

  /** Unsigned or non-negative varint up to 2^53 (int64 fields here hold dims, versions, flags). */
  private varint(value: number): void {
    if (!Number.isSafeInteger(value)) throw new RangeError(`protobuf varint: ${value} is not a safe integer`);
    // Negative int64 values are encoded as their 64-bit two's complement (10 bytes).
    let v = value < 0 ? 2n ** 64n + BigInt(value) : BigInt(value);
    do {
      const byte = Number(v & 0x7fn);
      v >>= 7n;
      this.scratch.push(v > 0n ? byte | 0x80 : byte);
    } while (v > 0n);
  }

  private key(field: number, wireType: number): void {
    this.varint((field << 3) | wireType);
  }

  int(field: number, value: number): this {
    this.key(field, VARINT);
    this.varint(value);
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.key(field, LENGTH_DELIMITED);
    this.varint(value.length);
    this.pushBytes(value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  /** A sub-message; its chunks are moved, not copied (a VGG graph holds 80 MB of weights). */
  message(field: number, write: (w: ProtoWriter) => void): this {
    const inner = new ProtoWriter();
    write(inner);
    inner.flushScratch();
    this.key(field, LENGTH_DELIMITED);
    this.varint(inner.length);
    this.flushScratch();
    this.chunks.push(...inner.chunks);
    this.length += inner.length;
    return this;
  }

  /** A packed repeated int64 field. */
  packedInts(field: number, values: readonly number[]): this {
    const inner = new ProtoWriter();
    for (const v of values) inner.varint(v);
    return this.bytes(field, inner.finish());
  }

  /** A float32 field (wire type 5, little-endian). */
  float(field: number, value: number): this {
    this.key(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    this.pushBytes(b);
    return this;
  }

  finish(): Uint8Array {
    this.flushScratch();
    const out = new Uint8Array(this.length);
    let off = 0;
    for (const c of this.chunks) {
      out.set(c, off);
      off += c.length;
    }
    return out;
  }
}
