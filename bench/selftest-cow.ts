// Time for cow.c's whole matrix (suite latest, default configuration) on one era and on every era.
import { runCowSuite } from '../src/suites/cow/index.js';
import { defaultThpSizes } from '../src/suites/cow/config.js';
import { eras } from '../src/eras/profiles.js';

const opts = (kernel: string) => ({
  suite: 'latest' as const, kernel, arch: 'x86_64', thpSizesKB: defaultThpSizes('latest'), hugetlbSizesKB: [2048, 1048576],
  liburing: true, gupTest: true, swap: true, hugeZeropage: true,
});
let t = performance.now();
const one = runCowSuite(opts('6.18'));
console.log(`one era (6.18): ${one.results.length} tests in ${((performance.now() - t) / 1000).toFixed(2)} s`);
t = performance.now();
let n = 0;
for (const e of eras()) n += runCowSuite(opts(e.last)).results.length;
console.log(`all ${eras().length} eras: ${n} tests in ${((performance.now() - t) / 1000).toFixed(2)} s`);
