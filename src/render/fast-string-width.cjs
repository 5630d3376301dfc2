// Terminal width of a string for cli-table3, which measures every line of every cell with
// string-width; string-width runs a very large emoji regular expression over each string, which
// made drawing one table take ~100 ms. Text without any character at or above U+1100 (the first
// wide one) has one column per code unit once colour codes are removed, so only other text goes
// to string-width itself. The bundle (scripts/bundle.mjs) aliases string-width to this file.
'use strict';
const stringWidth = require('../../node_modules/string-width/index.js');

const ANSI = /\u001b\[[0-9;]*m/g;
// Control characters, combining marks, (c) and (r), and everything from U+1100 up need
// string-width's rules, except four blocks whose every character string-width counts as one
// column: general punctuation (U+2010-2027, U+2030-205E: dashes, quotes, bullets), mathematical
// operators (U+2200-22FF: <= >= x) and box drawing (U+2500-257F). A variation selector or emoji
// after them is itself above U+1100 and sends the text to string-width.
const NEEDS_FULL =
  // eslint-disable-next-line no-misleading-character-class -- ranges of code points, not combined characters
  /[\u0000-\u001f\u007f-\u009f\u00a9\u00ae\u0300-\u036f\u1100-\u200f\u2028-\u202f\u205f-\u21ff\u2300-\u24ff\u2580-\uffff]/;

function fastStringWidth(str) {
  if (typeof str !== 'string' || str.length === 0) return 0;
  const plain = str.indexOf('\u001b') === -1 ? str : str.replace(ANSI, '');
  return NEEDS_FULL.test(plain) ? stringWidth(str) : plain.length;
}

module.exports = fastStringWidth;
module.exports.default = fastStringWidth;
