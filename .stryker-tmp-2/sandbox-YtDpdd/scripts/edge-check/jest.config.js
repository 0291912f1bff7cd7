// @ts-nocheck
// The edge check (npm run edge-check): Envoy Gateway's own translator judges the edge
// resources of every environment. Not part of `npm test`, which must run without Go.
const base = require('../../jest.config.js');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  rootDir: '../..',
  roots: ['<rootDir>/scripts/edge-check'],
  verbose: true,
};
