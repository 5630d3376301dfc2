'use strict';
// cli-table3 measures every line of every cell with string-width, whose emoji expression made
// drawing a comparison table about 3.6 ms slower (0.07x of a bare start). The bundle
// (scripts/bundle.mjs) gives cli-table3 this module instead: the renderers' own measure
// (visibleWidth in format.ts), which measures exactly as string-width does (a test checks every
// code point of the Basic Multilingual Plane), so the layout and the table use one function.
const { visibleWidth } = require('./format.ts');

module.exports = visibleWidth;
module.exports.default = visibleWidth;
