// The bundle's stand-in for string-width must measure exactly as string-width does.
import { createRequire } from 'node:module';

import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const fast = require('../../src/render/fast-string-width.cjs') as (s: string) => number;
const stringWidth = require('string-width') as (s: string) => number;

describe('fast string width', () => {
  const samples = [
    '',
    'plain ASCII text, 123',
    '\u001b[36mcoloured\u001b[39m text',
    'en dash – and ≤ and ✓ pass',
    '漢字とかな',
    'emoji 🐢🐇 and 🏴',
    'café naïve',
    'e\u0301 combining',
    '© 2026 ® mark',
    'tab\there',
    '\u001b[1m\u001b[31mbold red\u001b[22m\u001b[39m',
    'Ω Ж ש ع',
    '2–7 GB — “quoted” • … ‰',
    '≤ ≥ ≠ ∞ × ∑ √',
    '┌─┬─┐│└┘',
    '‼ ⁉ ‼️ ⁉️',
    '↔ ↕️ ⌚ ▶️ ☀',
    'a\u2028b',
    '\u2060word joiner',
  ];
  it.each(samples.map((s) => [s]))('%j', (s) => expect(fast(s)).toBe(stringWidth(s)));
});

describe('fast string width, every code point of the Basic Multilingual Plane', () => {
  it('agrees with string-width on each character alone and between letters', () => {
    const mismatches: string[] = [];
    for (let c = 0x20; c <= 0xffff; c++) {
      if (c >= 0xd800 && c <= 0xdfff) continue; // lone surrogates are not text
      const ch = String.fromCodePoint(c);
      if (fast(ch) !== stringWidth(ch) || fast(`a${ch}b`) !== stringWidth(`a${ch}b`)) mismatches.push(c.toString(16));
    }
    expect(mismatches).toEqual([]);
  });
});
