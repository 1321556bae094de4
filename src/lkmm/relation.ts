// Relations and event sets over the n events of one candidate execution, as
// herd's cat language sees them: bit matrices with the cat operators.

/** A set of events, one bit per event. */
export class EvSet {
  constructor(
    readonly n: number,
    readonly bits: Uint32Array = new Uint32Array((n + 31) >>> 5),
  ) {}

  static of(n: number, pred: (i: number) => boolean): EvSet {
    const s = new EvSet(n);
    for (let i = 0; i < n; i++) if (pred(i)) s.add(i);
    return s;
  }

  add(i: number): void {
    this.bits[i >>> 5]! |= 1 << (i & 31);
  }

  has(i: number): boolean {
    return (this.bits[i >>> 5]! & (1 << (i & 31))) !== 0;
  }

  union(o: EvSet): EvSet {
    const r = new EvSet(this.n);
    for (let w = 0; w < this.bits.length; w++) r.bits[w] = this.bits[w]! | o.bits[w]!;
    return r;
  }

  inter(o: EvSet): EvSet {
    const r = new EvSet(this.n);
    for (let w = 0; w < this.bits.length; w++) r.bits[w] = this.bits[w]! & o.bits[w]!;
    return r;
  }

  diff(o: EvSet): EvSet {
    const r = new EvSet(this.n);
    for (let w = 0; w < this.bits.length; w++) r.bits[w] = this.bits[w]! & ~o.bits[w]!;
    return r;
  }

  /** The complement (cat's ~S). */
  not(): EvSet {
    return EvSet.of(this.n, (i) => !this.has(i));
  }

  isEmpty(): boolean {
    return this.bits.every((w) => w === 0);
  }

  members(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.n; i++) if (this.has(i)) out.push(i);
    return out;
  }
}

/** A binary relation on events: row i holds the successors of i. */
export class Rel {
  readonly words: number;
  readonly m: Uint32Array;

  constructor(
    readonly n: number,
    m?: Uint32Array,
  ) {
    this.words = (n + 31) >>> 5;
    this.m = m ?? new Uint32Array(n * this.words);
  }

  static empty(n: number): Rel {
    return new Rel(n);
  }

  static of(n: number, pred: (i: number, j: number) => boolean): Rel {
    const r = new Rel(n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (pred(i, j)) r.add(i, j);
    return r;
  }

  static fromPairs(n: number, pairs: Iterable<readonly [number, number]>): Rel {
    const r = new Rel(n);
    for (const [i, j] of pairs) r.add(i, j);
    return r;
  }

  /** [S]: the identity restricted to S. */
  static id(s: EvSet): Rel {
    const r = new Rel(s.n);
    for (let i = 0; i < s.n; i++) if (s.has(i)) r.add(i, i);
    return r;
  }

  /** S * T: the cartesian product. */
  static cross(s: EvSet, t: EvSet): Rel {
    const r = new Rel(s.n);
    for (let i = 0; i < s.n; i++) if (s.has(i)) r.m.set(t.bits, i * r.words);
    return r;
  }

  add(i: number, j: number): void {
    this.m[i * this.words + (j >>> 5)]! |= 1 << (j & 31);
  }

  has(i: number, j: number): boolean {
    return (this.m[i * this.words + (j >>> 5)]! & (1 << (j & 31))) !== 0;
  }

  private zip(o: Rel, f: (a: number, b: number) => number): Rel {
    const r = new Rel(this.n);
    for (let k = 0; k < this.m.length; k++) r.m[k] = f(this.m[k]!, o.m[k]!);
    return r;
  }

  union(...os: Rel[]): Rel {
    let r: Rel = this;
    for (const o of os) r = r.zip(o, (a, b) => a | b);
    return r;
  }

  inter(o: Rel): Rel {
    return this.zip(o, (a, b) => a & b);
  }

  diff(o: Rel): Rel {
    return this.zip(o, (a, b) => a & ~b);
  }

  /** r1 ; r2 — relational composition. */
  seq(...os: Rel[]): Rel {
    let acc: Rel = this;
    for (const o of os) {
      const r = new Rel(this.n);
      const W = this.words;
      for (let i = 0; i < this.n; i++) {
        for (let k = 0; k < this.n; k++) {
          if (!acc.has(i, k)) continue;
          for (let w = 0; w < W; w++) r.m[i * W + w]! |= o.m[k * W + w]!;
        }
      }
      acc = r;
    }
    return acc;
  }

  /** r^-1 */
  inv(): Rel {
    const r = new Rel(this.n);
    for (let i = 0; i < this.n; i++) for (let j = 0; j < this.n; j++) if (this.has(i, j)) r.add(j, i);
    return r;
  }

  /** r+ (Warshall's algorithm on bit rows). */
  plus(): Rel {
    const r = new Rel(this.n, this.m.slice());
    const W = this.words;
    for (let k = 0; k < this.n; k++) {
      for (let i = 0; i < this.n; i++) {
        if (!r.has(i, k)) continue;
        for (let w = 0; w < W; w++) r.m[i * W + w]! |= r.m[k * W + w]!;
      }
    }
    return r;
  }

  /** r* */
  star(): Rel {
    return this.plus().opt();
  }

  /** r? */
  opt(): Rel {
    const r = new Rel(this.n, this.m.slice());
    for (let i = 0; i < this.n; i++) r.add(i, i);
    return r;
  }

  /** [S] ; r ; [T] */
  restrict(s: EvSet, t: EvSet): Rel {
    const r = new Rel(this.n);
    const W = this.words;
    for (let i = 0; i < this.n; i++) {
      if (!s.has(i)) continue;
      for (let w = 0; w < W; w++) r.m[i * W + w] = this.m[i * W + w]! & t.bits[w]!;
    }
    return r;
  }

  domain(): EvSet {
    return EvSet.of(this.n, (i) => {
      for (let w = 0; w < this.words; w++) if (this.m[i * this.words + w] !== 0) return true;
      return false;
    });
  }

  range(): EvSet {
    const s = new EvSet(this.n);
    for (let i = 0; i < this.n; i++) for (let w = 0; w < this.words; w++) s.bits[w]! |= this.m[i * this.words + w]!;
    return s;
  }

  isEmpty(): boolean {
    return this.m.every((w) => w === 0);
  }

  irreflexive(): boolean {
    for (let i = 0; i < this.n; i++) if (this.has(i, i)) return false;
    return true;
  }

  acyclic(): boolean {
    return this.plus().irreflexive();
  }

  pairs(): [number, number][] {
    const out: [number, number][] = [];
    for (let i = 0; i < this.n; i++) for (let j = 0; j < this.n; j++) if (this.has(i, j)) out.push([i, j]);
    return out;
  }
}
