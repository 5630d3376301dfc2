// The renderers measure text as cli-table3 does (string-width), so the widths they share out are
// the ones the table draws; their shortcut for text string-width has no special rule for must
// never change a width.
import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';

import { splitVisible, visibleWidth, wrapText } from '../../src/render/format.js';

describe('visible width', () => {
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
    '\u001b[36m漢字\u001b[39m',
    'Ω Ж ש ع',
    '2–7 GB — “quoted” • … ‰',
    '≤ ≥ ≠ ∞ × ∑ √',
    '┌─┬─┐│└┘',
    '‼ ⁉ ‼️ ⁉️',
    '↔ ↕️ ⌚ ▶️ ☀',
    'a\u2028b',
    '\u2060word joiner',
  ];
  it.each(samples.map((s) => [s]))('%j as string-width measures it', (s) =>
    expect(visibleWidth(s)).toBe(stringWidth(s)),
  );

  it('agrees with string-width on every code point of the Basic Multilingual Plane, alone and between letters', () => {
    const mismatches: string[] = [];
    for (let c = 0x20; c <= 0xffff; c++) {
      if (c >= 0xd800 && c <= 0xdfff) continue; // lone surrogates are not text
      const ch = String.fromCodePoint(c);
      if (visibleWidth(ch) !== stringWidth(ch) || visibleWidth(`a${ch}b`) !== stringWidth(`a${ch}b`))
        mismatches.push(c.toString(16));
    }
    expect(mismatches).toEqual([]);
  });
});

describe('cutting and wrapping by columns', () => {
  it('a wide character counts two columns and is never split', () => {
    expect(splitVisible('漢字とかな', 4)).toEqual(['漢字', 'とかな']);
    expect(splitVisible('a漢字', 2)).toEqual(['a', '漢字']);
    expect(splitVisible('🐢🐇x', 2)).toEqual(['🐢', '🐇x']);
  });
  it('colour codes stay with their text across the cut', () => {
    expect(splitVisible('\u001b[36m漢字と\u001b[39m', 4)).toEqual([
      '\u001b[36m漢字\u001b[0m',
      '\u001b[36mと\u001b[39m',
    ]);
  });
  it('wrapped CJK lines fit the width in columns', () => {
    const text = '漢字とかな 漢字とかな 漢字とかな';
    for (const line of wrapText(text, 12).split('\n')) expect(stringWidth(line)).toBeLessThanOrEqual(12);
  });
});
