// The kselftest TAP helpers cow.c prints through (tools/testing/selftests/kselftest.h):
// the same line formats, counters and exit paths.

export type Verdict = 'pass' | 'fail' | 'skip' | 'xfail' | 'xpass' | 'error';

export interface TestResult {
  num: number;
  /** The "[RUN] ..." line's text (family ... variant). */
  run: string;
  verdict: Verdict;
  msg: string;
}

export class Ksft {
  readonly lines: string[] = [];
  readonly results: TestResult[] = [];
  readonly cnt: Record<Verdict, number> = { pass: 0, fail: 0, skip: 0, xfail: 0, xpass: 0, error: 0 };
  plan = 0;
  exitCode: number | null = null;
  private lastRun = '';

  /** ksft_print_msg(): "# " + message. */
  print_msg(msg: string): void {
    this.lines.push(`# ${msg}`);
    if (msg.startsWith('[RUN] ')) this.lastRun = msg.slice(6);
  }

  print_header(): void {
    this.lines.push('TAP version 13');
  }

  set_plan(n: number): void {
    this.plan = n;
    this.lines.push(`1..${n}`);
  }

  test_num(): number {
    return this.cnt.pass + this.cnt.fail + this.cnt.skip + this.cnt.xfail + this.cnt.xpass + this.cnt.error;
  }

  private record(verdict: Verdict, line: string, msg: string): void {
    this.cnt[verdict]++;
    this.lines.push(line.replace('%N', String(this.test_num())));
    this.results.push({ num: this.test_num(), run: this.lastRun, verdict, msg });
  }

  test_result_pass(msg: string): void {
    this.record('pass', `ok %N ${msg}`, msg);
  }

  test_result_fail(msg: string): void {
    this.record('fail', `not ok %N ${msg}`, msg);
  }

  /** ksft_test_result(cond, msg). */
  test_result(ok: boolean, msg: string): void {
    if (ok) this.test_result_pass(msg);
    else this.test_result_fail(msg);
  }

  test_result_skip(msg: string): void {
    this.record('skip', `ok %N # SKIP ${msg}`, msg);
  }

  test_result_xfail(msg: string): void {
    this.record('xfail', `ok %N # XFAIL ${msg}`, msg);
  }

  /** ksft_test_result_code() (newer kselftest.h): one call for any outcome. */
  test_result_code(verdict: 'pass' | 'fail' | 'skip' | 'xfail', msg: string): void {
    if (verdict === 'pass') this.test_result_pass(msg);
    else if (verdict === 'fail') this.test_result_fail(msg);
    else if (verdict === 'skip') this.test_result_skip(msg);
    else this.test_result_xfail(msg);
  }

  private testName = '';

  /** log_test_start() (newer vm_util.h): "[RUN] name", and the name becomes the result line's description. */
  log_test_start(name: string): void {
    this.testName = name;
    this.print_msg(`[RUN] ${name}`);
  }

  /** log_test_result(): ksft_test_result_report(result, "%s", test_name). */
  log_test_result(verdict: 'pass' | 'fail' | 'skip' | 'xfail'): void {
    this.test_result_code(verdict, this.testName);
  }

  /** ksft_perror(): the message with strerror(errno) and errno. */
  perror(msg: string, errno: number): void {
    this.print_msg(`${msg}: ${STRERROR[errno] ?? `Unknown error ${errno}`} (${errno})`);
  }

  get_fail_cnt(): number {
    return this.cnt.fail;
  }

  private print_cnts(): void {
    if (this.plan !== this.test_num()) this.lines.push(`# Planned tests != run tests (${this.plan} != ${this.test_num()})`);
    const c = this.cnt;
    this.lines.push(`# Totals: pass:${c.pass} fail:${c.fail} xfail:${c.xfail} xpass:${c.xpass} skip:${c.skip} error:${c.error}`);
  }

  /** ksft_exit_fail_msg(): "Bail out! ...", the totals, exit status KSFT_FAIL. */
  exit_fail_msg(msg: string): void {
    this.lines.push(`Bail out! ${msg}`);
    this.print_cnts();
    this.exitCode = 1;
  }

  /** ksft_exit_fail(): the totals, exit status KSFT_FAIL. */
  exit_fail(): void {
    this.print_cnts();
    this.exitCode = 1;
  }

  /** ksft_exit_pass(): the totals, exit status KSFT_PASS. */
  exit_pass(): void {
    this.print_cnts();
    this.exitCode = 0;
  }
}

/** glibc's strerror() for the errno values the model returns. */
const STRERROR: Record<number, string> = {
  1: 'Operation not permitted', 2: 'No such file or directory', 9: 'Bad file descriptor', 11: 'Resource temporarily unavailable',
  12: 'Cannot allocate memory', 14: 'Bad address', 16: 'Device or resource busy', 22: 'Invalid argument',
  28: 'No space left on device', 38: 'Function not implemented',
};
