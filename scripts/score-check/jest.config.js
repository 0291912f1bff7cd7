// The score check (npm run score-check): the kube-score wrapper the real-node e2e judges its
// deployed objects with, tested with the real binary. Not part of `npm test`, which must run
// without Go.
const base = require('../../jest.config.js');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  rootDir: '../..',
  roots: ['<rootDir>/scripts/score-check'],
  verbose: true,
};
