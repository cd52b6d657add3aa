/**
 * Vectors on the wire and in the database: little-endian float32, the layout OpenAI's base64
 * `encoding_format` uses and the `embeddings.vector` bytea column stores. Every machine we run
 * on is little-endian, so the fast path is a plain view; the slow path keeps the format fixed.
 */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Bytes of `v` as little-endian float32 (a view on little-endian machines, no copy). */
export function float32ToBytes(v: Float32Array): Buffer {
  if (LITTLE_ENDIAN) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  const out = Buffer.alloc(v.length * 4);
  v.forEach((x, i) => out.writeFloatLE(x, i * 4));
  return out;
}

/** The inverse of float32ToBytes; always copies, so the result owns aligned memory. */
export function bytesToFloat32(bytes: Uint8Array): Float32Array {
  if (bytes.byteLength % 4 !== 0) throw new Error(`vector bytes must be a multiple of 4, got ${bytes.byteLength}`);
  const out = new Float32Array(bytes.byteLength / 4);
  if (LITTLE_ENDIAN) new Uint8Array(out.buffer).set(bytes);
  else {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  }
  return out;
}

export const float32ToBase64 = (v: Float32Array): string => float32ToBytes(v).toString("base64");
export const base64ToFloat32 = (s: string): Float32Array => bytesToFloat32(Buffer.from(s, "base64"));
