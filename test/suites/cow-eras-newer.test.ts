// cow.c on the last kernel of every newer era (the eras are split over two files to run in parallel).
import { describe, it } from 'node:test';
import { eras } from '../../src/eras/profiles.js';
import { checkEra } from './cow-eras.js';

const all = eras();
const half = Math.ceil(all.length / 2);

describe('cow.c verdicts by era (newer)', () => {
  for (const e of all.slice(half)) it(`${e.last} (${e.name})`, () => checkEra(e.last));
});
