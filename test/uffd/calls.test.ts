// userfaultfd calls: the UFFDIO_API handshake per era, faults that sleep
// until the monitor resolves them (stores, loads, GUP), deadlocks reported
// as errors, UFFDIO_COPY, markers and truncation, unregistering.
import { test } from 'node:test';
import { failures, run, storeFaults } from './support.js';
import assert from 'node:assert/strict';
import { parseScenario } from '../../src/scenario/parse.js';
import { runScenario } from '../../src/scenario/run.js';
import { ScenarioError } from '../../src/scenario/errors.js';
import {
  UFFD_FEATURE_EVENT_FORK, UFFD_FEATURE_MINOR_HUGETLBFS, UFFD_FEATURE_MINOR_SHMEM, UFFD_FEATURE_MISSING_HUGETLBFS, UFFD_FEATURE_PAGEFAULT_FLAG_WP, UFFD_FEATURE_WP_ASYNC, UFFD_FEATURE_WP_HUGETLBFS_SHMEM,
  UFFD_FEATURE_WP_UNPOPULATED,
} from '../../src/model/uffd.js';


function runError(text: string, kernel = 'latest'): string {
  try {
    run(text, kernel);
  } catch (e) {
    if (e instanceof ScenarioError) return e.message;
    throw e;
  }
  assert.fail('the scenario ran without an error');
}

const WP_ANON = `
thread main:
  mem = mmap(4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS)
  mem[0] = 1
  uffd = userfaultfd()
  uffdio_api(uffd)
  uffdio_register(uffd, mem, 4096, UFFDIO_REGISTER_MODE_WP)
  uffdio_writeprotect(uffd, mem, 4096, UFFDIO_WRITEPROTECT_MODE_WP)
`;

test('UFFDIO_API reports the features of each era', () => {
  const features = (v: string): number => {
    const r = run('thread main:\n  expect uffdio_features() == 0 else "features"\n', v);
    return Number(BigInt(r.expectations[0]!.actual));
  };
  assert.equal(features('4.10'), 0);
  const v411 = UFFD_FEATURE_EVENT_FORK | UFFD_FEATURE_MISSING_HUGETLBFS;
  assert.equal(features('4.11'), v411);
  assert.equal(features('5.7'), v411 | UFFD_FEATURE_PAGEFAULT_FLAG_WP);
  assert.equal(features('5.12'), v411 | UFFD_FEATURE_PAGEFAULT_FLAG_WP);
  assert.equal(features('5.13'), v411 | UFFD_FEATURE_PAGEFAULT_FLAG_WP | UFFD_FEATURE_MINOR_HUGETLBFS);
  assert.equal(features('5.14'), v411 | UFFD_FEATURE_PAGEFAULT_FLAG_WP | UFFD_FEATURE_MINOR_HUGETLBFS | UFFD_FEATURE_MINOR_SHMEM);
  assert.equal(features('5.19') & UFFD_FEATURE_WP_HUGETLBFS_SHMEM, UFFD_FEATURE_WP_HUGETLBFS_SHMEM);
  assert.equal(features('5.18') & UFFD_FEATURE_WP_HUGETLBFS_SHMEM, 0);
  assert.equal(features('6.4') & UFFD_FEATURE_WP_UNPOPULATED, UFFD_FEATURE_WP_UNPOPULATED);
  assert.equal(features('6.6') & UFFD_FEATURE_WP_ASYNC, 0);
  assert.equal(features('6.7') & UFFD_FEATURE_WP_ASYNC, UFFD_FEATURE_WP_ASYNC);
});

test('UFFDIO_API: a second handshake and unknown features are -EINVAL', () => {
  const r = run(`
thread main:
  uffd = userfaultfd()
  expect uffdio_api(uffd, UFFD_FEATURE_WP_ASYNC) == -EINVAL else "WP_ASYNC before 6.7"
  expect uffdio_api(uffd) == 0 else "plain handshake"
  expect uffdio_api(uffd) == -EINVAL else "second handshake"
`, '6.6');
  assert.deepEqual(failures(r), []);
});

test('a plain store that sleeps in handle_userfault() is a deadlock error at its position', () => {
  const msg = runError(`${WP_ANON}  mem[0] = 2\n`);
  assert.match(msg, /^t\.cow:9:3: deadlock: this thread blocked in handle_userfault\(\): userfaultfd \d+ write-protect fault at 0x7f0000000000/);
});

test('wait() on an access nobody resolved is a deadlock error at the wait', () => {
  const msg = runError(`${WP_ANON}  w = start store(mem, 2)\n  x = 1\n  wait(w)\n`);
  assert.match(msg, /^t\.cow:11:3: deadlock: operation \d+ sleeps in handle_userfault\(\) on the write-protect fault at 0x7f0000000000/);
});

test('the monitor sees the fault before the data changes; un-protecting wakes the store', () => {
  const r = run(`${WP_ANON}  w = start store(mem, 2)
thread monitor:
  m = uffd_read_msg(uffd)
  expect msg_event(m) == UFFD_EVENT_PAGEFAULT else "event"
  expect msg_flags(m) == UFFD_PAGEFAULT_FLAG_WRITE|UFFD_PAGEFAULT_FLAG_WP else "flags"
  expect mem[0] == 1 else "the store ran early"
  expect msg_event(uffd_read_msg(uffd)) == 0 else "a second message"
  expect uffdio_writeprotect(uffd, mem, 4096, 0) == 0 else "un-protect"
thread main:
  expect wait(w) == 1 else "store"
  expect mem[0] == 2 else "data"
`);
  assert.deepEqual(failures(r), []);
  assert.deepEqual(r.findings, []);
});

test('UFFDIO_WRITEPROTECT_MODE_DONTWAKE leaves the fault asleep until UFFDIO_WAKE', () => {
  const base = `${WP_ANON}  w = start store(mem, 2)
thread monitor:
  m = uffd_read_msg(uffd)
  uffdio_writeprotect(uffd, mem, 4096, UFFDIO_WRITEPROTECT_MODE_DONTWAKE)
`;
  assert.match(runError(`${base}thread main:\n  wait(w)\n`), /deadlock: operation/);
  const r = run(`${base}  uffdio_wake(uffd, mem, 4096)\nthread main:\n  expect wait(w) == 1 else "store"\n`);
  assert.deepEqual(failures(r), []);
});

test('UFFDIO_WRITEPROTECT outside a uffd-wp registration is -ENOENT; MODE_WP is -EINVAL before 5.7', () => {
  const r = run(`
thread main:
  mem = mmap(4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS)
  uffd = userfaultfd()
  uffdio_api(uffd)
  expect uffdio_writeprotect(uffd, mem, 4096, UFFDIO_WRITEPROTECT_MODE_WP) == -ENOENT else "not registered"
`);
  assert.deepEqual(failures(r), []);
  const old = run(`
thread main:
  mem = mmap(4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS)
  uffd = userfaultfd()
  uffdio_api(uffd)
  expect uffdio_register(uffd, mem, 4096, UFFDIO_REGISTER_MODE_WP) == -EINVAL else "WP reserved"
  expect uffdio_register(uffd, mem, 4096, UFFDIO_REGISTER_MODE_MISSING) == 0 else "MISSING"
`, '5.6');
  assert.deepEqual(failures(old), []);
});

const MISSING_ANON = `
thread main:
  mem = mmap(4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS)
  uffd = userfaultfd()
  uffdio_api(uffd)
  expect uffdio_register(uffd, mem, 4096, UFFDIO_REGISTER_MODE_MISSING|UFFDIO_REGISTER_MODE_WP) == 0 else "register"
  h = start load(mem, 2)
thread monitor:
  m = uffd_read_msg(uffd)
  expect msg_flags(m) == 0 else "a read fault on missing memory"
  expect uffdio_copy(uffd, mem, fill(4096, 0x5a), UFFDIO_COPY_MODE_WP) == 4096 else "copy"
  expect uffdio_copy(uffd, mem, fill(4096, 0x5a)) == -EEXIST else "copy twice"
thread main:
  expect wait(h) == [0x5a, 0x5a] else "the load did not see the copied page"
  expect pm_uffd_wp(mem) == 1 else "UFFDIO_COPY_MODE_WP did not write-protect"
  w = start store(mem, 1)
thread monitor:
  m2 = uffd_read_msg(uffd)
  expect msg_flags(m2) == UFFD_PAGEFAULT_FLAG_WRITE|UFFD_PAGEFAULT_FLAG_WP else "the write after UFFDIO_COPY_MODE_WP"
  uffdio_writeprotect(uffd, mem, 4096, 0)
thread main:
  expect wait(w) == 1 else "store"
  expect mem[0..2] == [1, 0x5a] else "data"
`;

test('MISSING faults on anonymous memory are resolved by UFFDIO_COPY (with MODE_WP from 5.7)', () => {
  const r = run(MISSING_ANON);
  assert.deepEqual(failures(r), []);
  assert.deepEqual(r.findings, []);
});

test('MISSING faults on shmem: UFFDIO_COPY fills the page cache', () => {
  const r = run(`
thread main:
  fd = memfd_create()
  ftruncate(fd, 4096)
  mem = mmap(4096, PROT_READ|PROT_WRITE, MAP_SHARED, fd)
  uffd = userfaultfd()
  uffdio_api(uffd)
  expect uffdio_register(uffd, mem, 4096, UFFDIO_REGISTER_MODE_MISSING) == 0 else "register"
  w = start store(mem, 7)
thread monitor:
  m = uffd_read_msg(uffd)
  expect msg_flags(m) == UFFD_PAGEFAULT_FLAG_WRITE else "a write fault on missing memory"
  expect uffdio_copy(uffd, mem, fill(4096, 3)) == 4096 else "copy"
thread main:
  expect wait(w) == 1 else "store"
  expect read(fd, 2, 0) == [7, 3] else "page cache"
`, '4.4');
  assert.deepEqual(failures(r), []);
});

test('GUP (an O_DIRECT read) sleeps on a write-protected page until the monitor resolves it', () => {
  const r = run(`
thread main:
  fd = tmpfile()
  write(fd, fill(512, 0xaa))
  mem = mmap(4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS)
  mem[0..4096] = 1
  uffd = userfaultfd()
  uffdio_api(uffd)
  uffdio_register(uffd, mem, 4096, UFFDIO_REGISTER_MODE_WP)
  uffdio_writeprotect(uffd, mem, 4096, UFFDIO_WRITEPROTECT_MODE_WP)
  io = start odirect_read(fd, mem, 512)
thread monitor:
  m = uffd_read_msg(uffd)
  expect msg_flags(m) == UFFD_PAGEFAULT_FLAG_WRITE|UFFD_PAGEFAULT_FLAG_WP else "GUP's write fault"
  uffdio_writeprotect(uffd, mem, 4096, 0)
thread main:
  expect wait(io) == 512 else "O_DIRECT read"
  expect mem[0..512] == 0xaa else "data"
`);
  assert.deepEqual(failures(r), []);
  assert.deepEqual(r.findings, []);
});

const SHMEM_MARKER = `
thread main:
  fd = memfd_create()
  ftruncate(fd, 4096)
  mem = mmap(4096, PROT_READ|PROT_WRITE, MAP_SHARED, fd)
  mem[0] = 1
  uffd = userfaultfd()
  uffdio_api(uffd)
  uffdio_register(uffd, mem, 4096, UFFDIO_REGISTER_MODE_WP)
  uffdio_writeprotect(uffd, mem, 4096, UFFDIO_WRITEPROTECT_MODE_WP)
  madvise(mem, 4096, MADV_DONTNEED)
  expect pm_swap(mem) + pm_uffd_wp(mem) + pm_present(mem) == 2 else "a marker reads as PM_SWAP|PM_UFFD_WP"
`;

test('shmem truncation keeps the marker (unmap_mapping_range has no ZAP_FLAG_DROP_MARKER); past i_size it is SIGBUS; regrown, the page comes back uffd-wp', () => {
  const r = run(`${SHMEM_MARKER}  ftruncate(fd, 0)
  expect pm_swap(mem) + pm_uffd_wp(mem) == 2 else "truncation dropped the marker"
  ftruncate(fd, 4096)
  expect mem[0] == 0 else "the truncated page came back"
  expect pm_present(mem) + pm_uffd_wp(mem) == 2 else "the new page is not mapped uffd-wp"
  w = start store(mem, 3)
thread monitor:
  m = uffd_read_msg(uffd)
  expect msg_flags(m) == UFFD_PAGEFAULT_FLAG_WRITE|UFFD_PAGEFAULT_FLAG_WP else "the write was not reported"
  uffdio_writeprotect(uffd, mem, 4096, 0)
thread main:
  expect wait(w) == 1 else "store"
`);
  assert.deepEqual(failures(r), []);
  assert.deepEqual(r.findings, []);
  assert.match(runError(`${SHMEM_MARKER}  ftruncate(fd, 0)\n  x = mem[0]\n`), /^t\.cow:14:7: SIGBUS at 0x7f0000000000: VM_FAULT_SIGBUS \(the process would be killed by SIGBUS\)$/);
});

test('after UFFDIO_UNREGISTER a leftover marker is cleared by the next fault (pte_marker_clear), until 6.0', () => {
  const r = run(`${SHMEM_MARKER}  uffdio_unregister(uffd, mem, 4096)
  expect pm_uffd_wp(mem) == 1 else "unregister does not walk the page tables"
  mem[0] = 2
  expect pm_uffd_wp(mem) == 0 else "the marker survived the fault"
  expect read(fd, 1, 0) == [2] else "data"
`, '5.19');
  assert.deepEqual(failures(r), []);
});

test('from 6.0 UFFDIO_UNREGISTER un-protects the range (bits and markers)', () => {
  const r = run(`${SHMEM_MARKER}  uffdio_unregister(uffd, mem, 4096)
  expect pm_uffd_wp(mem) + pm_swap(mem) == 0 else "unregister left the marker"
`, '6.0');
  assert.deepEqual(failures(r), []);
  const a = run(`${WP_ANON}  uffdio_unregister(uffd, mem, 4096)\n  expect pm_uffd_wp(mem) == 0 else "unregister left the bit"\n`, '6.0');
  assert.deepEqual(failures(a), []);
  const old = run(`${WP_ANON}  uffdio_unregister(uffd, mem, 4096)\n  expect pm_uffd_wp(mem) == 1 else "unregister cleared the bit"\n`, '5.19');
  assert.deepEqual(failures(old), []);
});

test('munmap drops markers with the page tables', () => {
  const r = run(`${SHMEM_MARKER}  munmap(mem, 4096)\n  expect pm_swap(mem) + pm_uffd_wp(mem) == 0 else "munmap left a marker"\n`);
  assert.deepEqual(failures(r), []);
});

test('un-protecting maps an exclusive anon page writable at once from 6.3 (MM_CP_TRY_CHANGE_WRITABLE)', () => {
  const text = `${WP_ANON}  uffdio_writeprotect(uffd, mem, 4096, 0)\n  mem[0] = 2\n`;
  const faults = (v: string): number => storeFaults(text, v);
  // The first store (mem[0] = 1) faults in both eras; the store after un-protecting only before 6.3.
  assert.equal(faults('6.2'), 2);
  assert.equal(faults('6.3'), 1);
});

test('no uffd-wp PTE is ever writable in the examples', async () => {
  const { readFileSync } = await import('node:fs');
  const { UFFD_VERDICTS } = await import('./verdicts.js');
  for (const name of Object.keys(UFFD_VERDICTS)) {
    const file = `examples/${name}.cow`;
    for (const v of ['5.7', '5.19', '6.1', '6.2', '6.4', '6.7', 'latest']) {
      const r = runScenario(parseScenario(readFileSync(file, 'utf8'), file), { kernel: v, arch: 'x86_64' });
      // The kernel bugs the reproducers show: a WARN in fork, 5.19-6.1's writable uffd-wp shmem PTE, 5.19-6.2's writable uffd-wp hugetlb entry.
      const writable = (['uffd_wp_shmem_mprotect', 'uffd_wp_shmem_migrate'].includes(name) && ['5.19', '6.1'].includes(v)) ||
        (name === 'uffd_wp_hugetlb_private_marker' && ['5.19', '6.1', '6.2'].includes(v));
      const known = name === 'uffd_wp_fork_marker' ? 'marker-copied-to-non-uffd-wp-child' : writable ? 'writable-uffd-wp' : '';
      const bad = r.findings.filter((f) => f.invariant !== known);
      assert.deepEqual(bad, [], `${name} on ${v}`);
    }
  }
});

test('migration entries carry uffd-wp and soft-dirty; remove_migration_pte() restores them', () => {
  const r = run(`${WP_ANON}  m = start move_pages(mem) until after try_to_migrate
  expect pm_present(mem) == 0 else "not a migration entry"
  expect pm_swap(mem) + pm_uffd_wp(mem) + pm_soft_dirty(mem) == 3 else "the migration entry lost a bit"
  expect wait(m) == 0 else "migration failed"
  expect pm_present(mem) + pm_uffd_wp(mem) + pm_soft_dirty(mem) == 3 else "the new page lost a bit"
  w = start store(mem, 2)
thread monitor:
  msg = uffd_read_msg(uffd)
  expect msg_flags(msg) == UFFD_PAGEFAULT_FLAG_WRITE|UFFD_PAGEFAULT_FLAG_WP else "the write after migration was not reported"
  uffdio_writeprotect(uffd, mem, 4096, 0)
thread main:
  expect wait(w) == 1 else "store"
  expect mem[0] == 2 else "data"
`);
  assert.deepEqual(failures(r), []);
  assert.deepEqual(r.findings, []);
});

test('a fault on a migration entry waits for the migration (an error at the access)', () => {
  const msg = runError(`${WP_ANON}  m = start move_pages(mem) until after try_to_migrate\n  x = mem[0]\n`);
  assert.match(msg, /^t\.cow:10:7: the fault at 0x7f0000000000 waits in migration_entry_wait\(\)/);
});

test('fork() copies a migration entry without the uffd-wp bit into a child that is not uffd-wp', () => {
  const r = run(`${WP_ANON}  m = start move_pages(mem) until after try_to_migrate
  child = fork()
  expect wait(m) == 0 else "migration"
  expect pm_uffd_wp(mem) == 1 else "the parent lost uffd-wp"
thread child:
  expect pm_uffd_wp(mem) == 0 else "the child's entry kept uffd-wp"
  expect mem[0] == 1 else "data"
`, '6.0');
  assert.deepEqual(failures(r), []);
  assert.deepEqual(r.findings, []);
});

test('minor faults on shmem (5.14): the page is cached, UFFDIO_CONTINUE maps it', () => {
  const text = `
thread main:
  fd = memfd_create()
  write(fd, fill(4096, 0x42))
  mem = mmap(4096, PROT_READ|PROT_WRITE, MAP_SHARED, fd)
  uffd = userfaultfd()
  uffdio_api(uffd)
  expect uffdio_register(uffd, mem, 4096, UFFDIO_REGISTER_MODE_MINOR) == 0 else "MODE_MINOR"
  h = start load(mem, 1)
thread monitor:
  m = uffd_read_msg(uffd)
  expect msg_flags(m) == UFFD_PAGEFAULT_FLAG_MINOR else "a minor fault"
  expect uffdio_continue(uffd, mem, 4096) == 4096 else "UFFDIO_CONTINUE"
  expect uffdio_continue(uffd, mem, 4096) == -EEXIST else "UFFDIO_CONTINUE twice"
thread main:
  expect wait(h) == [0x42] else "the load did not see the page cache"
  mem[0] = 1
  expect read(fd, 1, 0) == [1] else "the mapping is not the page cache"
`;
  assert.deepEqual(failures(run(text, '5.14')), []);
  assert.deepEqual(failures(run(text)), []);
  const old = run(text.replace(/  h = start load[\s\S]*/, ''), '5.13');
  assert.deepEqual(failures(old), ['MODE_MINOR: -0x16']);
});

test('fork() with UFFD_FEATURE_EVENT_FORK sleeps until the monitor reads the event', () => {
  const base = `
thread main:
  mem = mmap(4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS)
  uffd = userfaultfd()
  uffdio_api(uffd, UFFD_FEATURE_EVENT_FORK)
  uffdio_register(uffd, mem, 4096, UFFDIO_REGISTER_MODE_MISSING)
`;
  assert.match(runError(`${base}  c = fork()\n`), /^t\.cow:7:3: deadlock: fork\(\) \(operation \d+\) sleeps in userfaultfd_event_wait_completion\(\)/);
  const r = run(`${base}  c = start fork()
thread monitor:
  ev = uffd_read_msg(uffd)
  expect msg_event(ev) == UFFD_EVENT_FORK else "event"
  cu = msg_uffd(ev)
  expect uffdio_api(cu) == -EINVAL else "the child's context is already initialised"
thread main:
  wait(c)
thread c:
  h = start load(mem, 1)
thread monitor:
  m = uffd_read_msg(cu)
  expect msg_event(m) == UFFD_EVENT_PAGEFAULT else "the child's missing fault goes to the child's userfaultfd"
  expect msg_event(uffd_read_msg(uffd)) == 0 else "the parent's userfaultfd heard the child's fault"
  expect uffdio_copy(cu, mem, fill(4096, 9)) == 4096 else "copy into the child"
thread c:
  expect wait(h) == [9] else "the child's load"
`);
  assert.deepEqual(failures(r), []);
});

test('clear_refs keeps uffd-wp; mprotect() never maps a uffd-wp anon page writable', () => {
  const r = run(`${WP_ANON}  expect clear_refs(4) == 0 else "clear_refs"
  expect pm_uffd_wp(mem) + pm_soft_dirty(mem) == 1 else "clear_refs touched uffd-wp or kept soft-dirty"
  mprotect(mem, 4096, PROT_READ)
  mprotect(mem, 4096, PROT_READ|PROT_WRITE)
  w = start store(mem, 2)
thread monitor:
  m = uffd_read_msg(uffd)
  expect msg_flags(m) == UFFD_PAGEFAULT_FLAG_WRITE|UFFD_PAGEFAULT_FLAG_WP else "the write after mprotect was not reported"
  uffdio_writeprotect(uffd, mem, 4096, 0)
thread main:
  expect wait(w) == 1 else "store"
  expect pm_soft_dirty(mem) == 1 else "the write was not soft-dirty tracked"
`);
  assert.deepEqual(failures(r), []);
  assert.deepEqual(r.findings, []);
  for (const v of ['5.14', '6.0', '6.2']) assert.deepEqual(failures(run(`${WP_ANON}  expect pm_uffd_wp(mem) == 1 else "wp"\n`, v)), [], v);
});

test('uffd-wp needs the architecture (HAVE_ARCH_USERFAULTFD_WP): not on 32-bit x86', () => {
  const text = `
thread main:
  mem = mmap(4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS)
  uffd = userfaultfd()
  expect uffdio_api(uffd, UFFD_FEATURE_PAGEFAULT_FLAG_WP) == -EINVAL else "PAGEFAULT_FLAG_WP on i386"
  expect uffdio_api(uffd) == 0 else "handshake"
  expect uffdio_register(uffd, mem, 4096, UFFDIO_REGISTER_MODE_WP) == -EINVAL else "MODE_WP on i386"
  expect uffdio_register(uffd, mem, 4096, UFFDIO_REGISTER_MODE_MISSING) == 0 else "MODE_MISSING on i386"
`;
  assert.deepEqual(failures(runScenario(parseScenario(text, 't.cow'), { kernel: 'latest', arch: 'i386' })), []);
});

const THP_WP = `
thread main:
  thp_enabled(2048, 1)
  mem = mmap(0x400000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS)
  mem[0] = 1
  uffd = userfaultfd()
  uffdio_api(uffd)
  expect uffdio_register(uffd, mem, 0x400000, UFFDIO_REGISTER_MODE_WP) == 0 else "register"
`;

test('uffd-wp on a PMD-mapped THP: the whole PMD is protected, a write is reported', () => {
  const r = run(`${THP_WP}  expect uffdio_writeprotect(uffd, mem, 0x200000, UFFDIO_WRITEPROTECT_MODE_WP) == 0 else "wp"
  expect pm_uffd_wp(mem + 0x1000) == 1 else "the PMD is not uffd-wp"
  w = start store(mem + 0x1000, 2)
thread monitor:
  m = uffd_read_msg(uffd)
  expect msg_address(m) == mem + 0x1000 else "address"
  expect msg_flags(m) == UFFD_PAGEFAULT_FLAG_WRITE|UFFD_PAGEFAULT_FLAG_WP else "flags"
  uffdio_writeprotect(uffd, mem, 0x200000, 0)
thread main:
  expect wait(w) == 1 else "store"
  expect mem[0..2] == [1, 0] else "data"
  expect mem[0x1000] == 2 else "data"
`, '6.5');
  assert.deepEqual(failures(r), []);
  assert.deepEqual(r.findings, []);
});

test('write-protecting part of a THP splits the PMD; only the covered PTEs are protected', () => {
  let split = false;
  const text = `${THP_WP}  expect uffdio_writeprotect(uffd, mem, 0x1000, UFFDIO_WRITEPROTECT_MODE_WP) == 0 else "wp"
  expect pm_uffd_wp(mem) + pm_uffd_wp(mem + 0x1000) == 1 else "only the first page is protected"
  mem[0x1000] = 3
`;
  const r = runScenario(parseScenario(text, 't.cow'), {
    kernel: '6.5', arch: 'x86_64',
    onStep: (e) => {
      if (e.log.some((l) => l.includes('__split_huge_pmd') || l.includes('split'))) split = true;
    },
  });
  assert.deepEqual(failures(r), []);
  assert.ok(split, 'the PMD was split');
});
