// The Linux-kernel memory model on one candidate execution: the sets of
// linux-kernel.bell, the lock relations of lock.cat, and the relations and
// axioms of linux-kernel.cat, one definition per cat definition, in the
// cat's order and with its names (camelCase). Coherence and atomicity are
// checked per location while candidates are built (see candidates.ts), and
// lock.cat's lock-final flag where the condition is known (check.ts).
import type { Execution } from './candidates.js';
import type { Tag } from './events.js';
import { EvSet, Rel } from './relation.js';

/** The outcome of the model on one execution. */
export interface ModelResult {
  /** The first violated axiom (happens-before, propagation, rcu, plain-coherence), if any. */
  violated?: string;
  /** Flags raised (herd prints them as "Flag <name>"). */
  flags: string[];
  /** Named relations, for --explain and --dot. */
  rels: Map<string, Rel>;
}

export function runModel(x: Execution): ModelResult {
  const evs = x.events;
  const n = evs.length;
  const rels = new Map<string, Rel>();
  const flags: string[] = [];
  const set = (p: (i: number) => boolean) => EvSet.of(n, p);
  const tagged = (...ts: Tag[]) => set((i) => ts.some((t) => evs[i]!.tags.has(t)));
  const all = set(() => true);

  // ---- Events and base relations (herd) ----
  const R = set((i) => evs[i]!.kind === 'R');
  const W = set((i) => evs[i]!.kind === 'W');
  const M = R.union(W);
  const IW = set((i) => evs[i]!.init);
  const po = Rel.of(n, (i, j) => evs[i]!.thread >= 0 && evs[i]!.thread === evs[j]!.thread && evs[i]!.poi < evs[j]!.poi);
  const loc = Rel.of(n, (i, j) => evs[i]!.loc !== undefined && evs[i]!.loc === evs[j]!.loc);
  const poLoc = po.inter(loc);
  const int = Rel.of(n, (i, j) => i === j || (evs[i]!.thread >= 0 && evs[i]!.thread === evs[j]!.thread));
  const ext = Rel.of(n, (i, j) => !int.has(i, j));
  const rf = Rel.of(n, (i, j) => x.rf[j] === i);
  const co = new Rel(n);
  for (const order of x.co.values()) for (let a = 0; a < order.length; a++) for (let b = a + 1; b < order.length; b++) co.add(order[a]!, order[b]!);
  const fr = rf.inv().seq(co);
  const rfe = rf.inter(ext);
  const rfi = rf.inter(int);
  const depRel = (pick: 'addr' | 'data' | 'ctrl') => {
    const r = new Rel(n);
    for (const e of evs) for (const s of e[pick]) r.add(s, e.id);
    return r;
  };
  const fencerel = (S: EvSet) => po.restrict(all, S).seq(po);

  // ---- linux-kernel.bell ----
  const RMW = tagged('RMW');
  const rmwInstr = Rel.fromPairs(n, x.rmw);
  const FailedRMW = RMW.diff(rmwInstr.domain().union(rmwInstr.range()));
  const Acquire0 = tagged('ACQUIRE').diff(W).diff(FailedRMW);
  const Release0 = tagged('RELEASE').diff(R).diff(FailedRMW);
  const Mb = tagged('MB', 'Mb').diff(FailedRMW);
  const Noreturn = tagged('NORETURN').diff(W);
  const [RcuLock, RcuUnlock, SyncRcu] = [tagged('Rcu-lock'), tagged('Rcu-unlock'), tagged('Sync-rcu')];
  const [SrcuLock, SrcuUnlock, SyncSrcu] = [tagged('Srcu-lock'), tagged('Srcu-unlock'), tagged('Sync-srcu')];
  const [Rmb, Wmb, Barrier] = [tagged('Rmb'), tagged('Wmb'), tagged('Barrier')];
  const [BeforeAtomic, AfterAtomic, AfterSpinlock, AfterUnlockLock] = [
    tagged('Before-atomic'), tagged('After-atomic'), tagged('After-spinlock'), tagged('After-unlock-lock'),
  ];
  const [LKR, LKW, UL, LF, RL, RU] = [tagged('LKR'), tagged('LKW'), tagged('UL'), tagged('LF'), tagged('RL'), tagged('RU')];
  const data0 = depRel('data');

  // rcu-rscs: innermost-first matching of nested rcu_read_lock()/unlock() in each thread.
  const rcuRscs = new Rel(n);
  const stacks = new Map<number, number[]>();
  for (const e of evs) {
    if (e.tags.has('Rcu-lock')) {
      const s = stacks.get(e.thread) ?? [];
      s.push(e.id);
      stacks.set(e.thread, s);
    } else if (e.tags.has('Rcu-unlock')) {
      const l = stacks.get(e.thread)?.pop();
      if (l !== undefined) rcuRscs.add(l, e.id);
    }
  }
  if (!RcuLock.diff(rcuRscs.domain()).isEmpty()) flags.push('unmatched-rcu-lock');
  if (!RcuUnlock.diff(rcuRscs.range()).isEmpty()) flags.push('unmatched-rcu-unlock');

  // srcu-rscs: the cookie of srcu_read_lock() flows by data (and rf) into srcu_read_unlock() of the same srcu_struct.
  const carrySrcuData = data0.restrict(all, SrcuUnlock.not()).seq(rf).star();
  const srcuRscs = Rel.id(SrcuLock).seq(carrySrcuData, data0, Rel.id(SrcuUnlock)).inter(loc);
  if (!SrcuLock.diff(srcuRscs.domain()).isEmpty()) flags.push('unmatched-srcu-lock');
  if (!SrcuUnlock.diff(srcuRscs.range()).isEmpty()) flags.push('unmatched-srcu-unlock');
  if (!srcuRscs.inv().seq(srcuRscs).diff(Rel.id(all)).isEmpty()) flags.push('multiple-srcu-matches');
  if (!rcuRscs.inter(po.seq(Rel.id(SyncSrcu), po)).isEmpty()) flags.push('invalid-sleep');

  const Marked = M.not().union(IW).union(tagged('ONCE', 'RELEASE', 'ACQUIRE', 'MB', 'RMW'))
    .union(tagged('LKR', 'LKW', 'UL', 'LF', 'RL', 'RU', 'Srcu-lock', 'Srcu-unlock'));
  const Plain = M.diff(Marked);

  // Dependencies are carried through plain memory: carry-dep.
  const carryDep = data0.restrict(all, SrcuUnlock.not()).seq(rfi).star();
  const addr = carryDep.seq(depRel('addr'));
  const ctrl = carryDep.seq(depRel('ctrl'));
  const data = carryDep.seq(data0);

  // ---- lock.cat ----
  const lkRmw = Rel.fromPairs(n, x.lkRmw);
  const rmw = rmwInstr.union(lkRmw);
  const Release = Release0.union(UL);
  const Acquire = Acquire0.union(LKR);
  const critical = poLoc.restrict(LKW, UL).diff(poLoc.seq(Rel.id(LKW.union(UL)), poLoc));
  if (!UL.diff(critical.range()).isEmpty()) flags.push('unmatched-unlock');
  const ALL_LOCKS = LKR.union(LKW).union(UL).union(LF).union(RL).union(RU);
  if (!loc.restrict(M.diff(IW).diff(ALL_LOCKS), ALL_LOCKS).isEmpty()) flags.push('mixed-lock-accesses');

  // ---- linux-kernel.cat: basic relations ----
  const acqPo = po.restrict(Acquire, M);
  const poRel = po.restrict(M, Release);
  const poUnlockLockPo = po.seq(Rel.id(UL), po.union(rf), Rel.id(LKR), po);

  const R4rmb = R.diff(Noreturn);
  const rmb = fencerel(Rmb).restrict(R4rmb, R4rmb);
  const wmb = fencerel(Wmb).restrict(W, W);
  const mb = fencerel(Mb).restrict(M, M)
    .union(po.restrict(M, Mb.inter(R)))
    .union(po.restrict(Mb.inter(W), M))
    .union(Rel.id(M).seq(fencerel(BeforeAtomic), Rel.id(RMW), po.opt(), Rel.id(M)))
    .union(Rel.id(M).seq(po.opt(), Rel.id(RMW), fencerel(AfterAtomic), Rel.id(M)))
    .union(Rel.id(M).seq(po.opt(), Rel.id(LKW), fencerel(AfterSpinlock), Rel.id(M)))
    .union(Rel.id(M).seq(po, Rel.id(UL), co.union(po), Rel.id(LKW), fencerel(AfterUnlockLock), Rel.id(M)));
  const gp = po.seq(Rel.id(SyncRcu.union(SyncSrcu)), po.opt());
  let strongFence = mb.union(gp);
  const nonrwFence = strongFence.union(poRel, acqPo);
  let fence = nonrwFence.union(wmb, rmb);
  const barrier = fencerel(Barrier.union(Rmb).union(Wmb).union(Mb).union(SyncRcu).union(SyncSrcu).union(BeforeAtomic)
    .union(AfterAtomic).union(Acquire).union(Release).union(RcuLock).union(RcuUnlock).union(SrcuLock).union(SrcuUnlock))
    .union(po.restrict(all, Release), po.restrict(Acquire, all));

  // ---- Instruction execution ordering ----
  const dep = addr.union(data);
  const rwdep = dep.union(ctrl).restrict(all, W);
  const overwrite = co.union(fr);
  const toW = rwdep.union(overwrite.inter(int), addr.restrict(all, Plain).seq(wmb));
  const toR = addr.restrict(all, R).union(dep.restrict(all, Marked).seq(rfi));
  const ppo = toR.union(toW, fence.inter(int), poUnlockLockPo.inter(int));

  // ---- Propagation ----
  const idMarked = Rel.id(Marked);
  const aCumul = (r: Rel) => rfe.restrict(all, Marked).opt().seq(r);
  const rmwSequence = rf.seq(rmw).star();
  const cumulFence = idMarked.seq(aCumul(strongFence.union(poRel)).union(wmb, poUnlockLockPo), idMarked, rmwSequence);
  const prop = idMarked.seq(overwrite.inter(ext).opt(), cumulFence.star(), idMarked, rfe.opt(), idMarked);

  const hb = ppo.union(rfe, prop.diff(Rel.id(all)).inter(int)).restrict(Marked, Marked);
  Object.entries({
    po, rf, co, fr, addr, data, ctrl, rmw, mb, gp, rmb, wmb, 'acq-po': acqPo, 'po-rel': poRel,
    'po-unlock-lock-po': poUnlockLockPo, ppo, 'strong-fence': strongFence, fence, 'cumul-fence': cumulFence, prop, hb,
  })
    .forEach(([k, v]) => rels.set(k, v));
  if (!hb.acyclic()) return { violated: 'happens-before', flags, rels };

  const hbStar = hb.star();
  const pb = prop.seq(strongFence, hbStar, idMarked);
  rels.set('pb', pb);
  if (!pb.acyclic()) return { violated: 'propagation', flags, rels };

  // ---- RCU ----
  const rcuGp = Rel.id(SyncRcu);
  const srcuGp = Rel.id(SyncSrcu);
  const rcuRscsi = rcuRscs.inv();
  const srcuRscsi = srcuRscs.inv();
  let rb = new Rel(n);
  let rcuFence = new Rel(n);
  const pbStar = pb.star();
  if (!SyncRcu.union(SyncSrcu).isEmpty()) {
    const rcuLink = po.opt().seq(hbStar, pbStar, prop, po);
    // rcu-order: least fixpoint of the recursive definition.
    let rcuOrder = rcuGp.union(srcuGp);
    for (;;) {
      const L = rcuLink;
      const next = rcuGp.union(
        srcuGp,
        rcuGp.seq(L, rcuRscsi),
        srcuGp.seq(L, srcuRscsi).inter(loc),
        rcuRscsi.seq(L, rcuGp),
        srcuRscsi.seq(L, srcuGp).inter(loc),
        rcuGp.seq(L, rcuOrder, L, rcuRscsi),
        srcuGp.seq(L, rcuOrder, L, srcuRscsi).inter(loc),
        rcuRscsi.seq(L, rcuOrder, L, rcuGp),
        srcuRscsi.seq(L, rcuOrder, L, srcuGp).inter(loc),
        rcuOrder.seq(L, rcuOrder),
      );
      if (next.diff(rcuOrder).isEmpty()) break;
      rcuOrder = next.union(rcuOrder);
    }
    rcuFence = po.seq(rcuOrder, po.opt());
    fence = fence.union(rcuFence);
    strongFence = strongFence.union(rcuFence);
    rb = prop.seq(rcuFence, hbStar, pbStar, idMarked);
  }
  rels.set('rb', rb);
  if (!rb.irreflexive()) return { violated: 'rcu', flags, rels };

  // ---- Plain accesses and data races ----
  const mixedAccesses = poLoc.diff(barrier).restrict(Plain.inter(W), Marked)
    .union(poLoc.diff(barrier).restrict(Marked, Plain.inter(W)));
  if (!mixedAccesses.isEmpty()) flags.push('mixed-accesses');

  // Only tests with plain accesses can race or break plain-coherence.
  if (!Plain.isEmpty()) {
    const xbstar = hb.union(pb, rb).star();
    const vis = cumulFence.star().seq(rfe.opt(), idMarked,
      strongFence.seq(idMarked, xbstar).union(xbstar.inter(int)));
    const wPreBounded = idMarked.seq(addr.union(fence).opt());
    const rPreBounded = idMarked.seq(addr.union(nonrwFence, fencerel(Rmb).restrict(R4rmb, Noreturn.not())).opt());
    const wPostBounded = fence.opt().seq(idMarked, rmwSequence);
    const rPostBounded = nonrwFence.union(fencerel(Rmb).restrict(Noreturn.not(), R4rmb)).opt().seq(idMarked);
    const wwVis = fence.union(strongFence.seq(xbstar, wPreBounded), wPostBounded.seq(vis, wPreBounded));
    const wrVis = fence.union(strongFence.seq(xbstar, rPreBounded), wPostBounded.seq(vis, rPreBounded));
    const rwXbstar = fence.union(rPostBounded.seq(xbstar, wPreBounded));
    const preRace = ext.inter(Rel.cross(Plain, M).union(Rel.cross(M.diff(IW), Plain)));
    const wrIncoh = preRace.inter(rf).inter(rwXbstar.inv());
    const rwIncoh = preRace.inter(fr).inter(wrVis.inv());
    const wwIncoh = preRace.inter(co).inter(wwVis.inv());
    if (!wrIncoh.union(rwIncoh, wwIncoh).isEmpty()) return { violated: 'plain-coherence', flags, rels };
    const wwNonrace = wwVis.inter(Rel.cross(Marked, W).union(rwXbstar)).inter(Rel.cross(W, Marked).union(wrVis));
    const wwRace = preRace.inter(co).diff(wwNonrace);
    const wrRace = preRace.inter(co.opt().seq(rf)).diff(wrVis).diff(rwXbstar.inv());
    const rwRace = preRace.inter(fr).diff(rwXbstar);
    if (!wwRace.union(wrRace, rwRace).isEmpty()) flags.push('data-race');
  }
  return { flags, rels };
}
