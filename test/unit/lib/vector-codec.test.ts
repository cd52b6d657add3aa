import { expect } from "chai";
import { base64ToFloat32, bytesToFloat32, float32ToBase64, float32ToBytes } from "../../../lib/vector-codec.ts";

describe("vector codec", () => {
  it("round-trips little-endian float32 through bytes and base64", () => {
    const v = new Float32Array([0, 1, -1.5, 3.25e-8, 1e30]);
    expect(Array.from(bytesToFloat32(float32ToBytes(v)))).to.deep.equal(Array.from(v));
    expect(Array.from(base64ToFloat32(float32ToBase64(v)))).to.deep.equal(Array.from(v));
    // 1.0f is 0x3f800000, stored little-endian.
    expect([...float32ToBytes(new Float32Array([1]))]).to.deep.equal([0, 0, 0x80, 0x3f]);
  });
  it("refuses a byte length that is not a multiple of 4 and reads unaligned input", () => {
    expect(() => bytesToFloat32(new Uint8Array(5))).to.throw(/multiple of 4/);
    const buf = Buffer.concat([Buffer.from([9]), float32ToBytes(new Float32Array([2.5]))]).subarray(1);
    expect(Array.from(bytesToFloat32(buf))).to.deep.equal([2.5]);
  });
});
