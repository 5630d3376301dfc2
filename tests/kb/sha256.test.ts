// The hand-written SHA-256 for small inputs (src/kb/sha256.ts) against node:crypto's.
import { createHash, randomBytes } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import { sha256Hex, SMALL_INPUT_BYTES } from '../../src/kb/sha256.js';

const reference = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');

describe('sha256Hex', () => {
  it('the FIPS 180-4 examples', () => {
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256Hex('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')).toBe(
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    );
  });
  it('equals node:crypto on every length from 0 to 300 bytes (each padding case) and on text', () => {
    const bytes = randomBytes(300);
    for (let n = 0; n <= 300; n++)
      expect(sha256Hex(bytes.subarray(0, n)), `${n} bytes`).toBe(reference(bytes.subarray(0, n)));
    const text = 'Ünïcödé ✓ 漢字 🐢 '.repeat(50);
    expect(sha256Hex(text)).toBe(reference(text));
  });
  it('equals node:crypto on larger inputs, on both sides of the size it hands over at', () => {
    for (const n of [4096, 100_000, SMALL_INPUT_BYTES, SMALL_INPUT_BYTES + 1, 2 * SMALL_INPUT_BYTES]) {
      const bytes = randomBytes(n);
      expect(sha256Hex(bytes), `${n} bytes`).toBe(reference(bytes));
    }
  });
});
