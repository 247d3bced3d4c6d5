#!/usr/bin/env python3
# Why: turns the framed reports of the labs into one verdict: a line per
# test, the kernel-log problems, and the closing "N passed, N failed" line.
"""usage: report.py LAB=REPORT [LAB=REPORT ...]

A REPORT ending in .tap is plain TAP from the host (e.g. the hygiene
checks); any other is the framed output of lab/run-tests.sh, with the
kernel console beside it as REPORT.console."""
import os
import re
import sys

BAD_KERNEL = re.compile(
    r"WARNING:|BUG:|Oops|general protection|RCU stall|rcu.*detected stall|"
    r"soft lockup|hung task|blocked for more than|refcount_t|"
    r"Kernel panic|UBSAN:|KASAN:|kernel BUG at|invalid opcode:|Call Trace:|"
    r"unchecked MSR access|cut here|^(\[[ \d.]+\] )?BUG ")
TAP = re.compile(r"^(not ok|ok) \d+ ?([^#]*?)\s*(?:#\s*(SKIP|TODO)\b(.*))?$")
RUN = re.compile(r"^#\s+RUN\s+(\S+) \.\.\.$")


class Tally:
    def __init__(self):
        self.passed = self.failed = self.skipped = 0
        self.kernel_seen = set()

    def add(self, lab, verdict, name, why=""):
        if verdict == "PASS":
            self.passed += 1
        elif verdict == "SKIP":
            self.skipped += 1
        else:
            self.failed += 1
        print(f"{lab:5} {verdict:4} {name}{'  (' + why + ')' if why else ''}")


def kernel_problems(lines, tally):
    """Bad kernel-log lines, each reported once even if seen twice."""
    found = []
    for ln in lines:
        if not BAD_KERNEL.search(ln):
            continue
        text = re.sub(r"^\[[ \d.]+\] ?", "", ln.strip())
        if text not in tally.kernel_seen:
            tally.kernel_seen.add(text)
            found.append(text)
    return found


def judge_test(lab, name, body, end, dmesg, tally):
    plan = None
    results = 0
    running = "?"
    for ln in body:
        m = RUN.match(ln)
        if m:
            running = m.group(1)
            continue
        m = re.match(r"^1\.\.(\d+)$", ln)
        if m:
            plan = int(m.group(1))
            continue
        m = TAP.match(ln)
        if not m:
            continue
        results += 1
        case = f"{name}: {m.group(2) or running}"
        if m.group(3) == "SKIP":
            tally.add(lab, "SKIP", case, m.group(4).strip())
        elif m.group(1) == "ok":
            tally.add(lab, "PASS", case)
        else:
            tally.add(lab, "FAIL", case)
    if end is None:
        tally.add(lab, "FAIL", name, "lab died while it ran")
        return
    rc = int(re.search(r"rc=(\d+)", end).group(1))
    if not plan:
        tally.add(lab, "FAIL", name, f"no TAP plan or an empty one, exit {rc}")
    elif results < plan:
        tally.add(lab, "FAIL", name,
                  f"only {results} of {plan} results, exit {rc}")
    elif rc not in (0, 4):
        tally.add(lab, "FAIL", name, f"exit status {rc}")
    for problem in kernel_problems(dmesg, tally):
        tally.add(lab, "FAIL", f"{name}: kernel log", problem)


def judge_tap(lab, path, tally):
    if not os.path.exists(path):
        tally.add(lab, "FAIL", path, "missing")
        return
    with open(path, errors="replace") as f:
        body = f.read().splitlines()
    name = os.path.basename(path)[:-len(".tap")]
    judge_test(lab, name, body, "rc=0", [], tally)


def judge_lab(lab, path, tally):
    lines = []
    if os.path.exists(path):
        with open(path, errors="replace") as f:
            lines = f.read().splitlines()
    if not any(ln.startswith("KVIRT-LAB-BEGIN") for ln in lines):
        tally.add(lab, "FAIL", "lab", "the lab did not reach its tests")
        return
    sections = {}
    tests = []
    current = None
    body = []
    for ln in lines:
        m = re.match(r"^KVIRT-(TEST|DMESG)-BEGIN (\S+)", ln)
        if m:
            current = (m.group(1), m.group(2))
            body = []
            if m.group(1) == "TEST":
                tests.append(m.group(2))
            continue
        m = re.match(r"^KVIRT-(TEST|DMESG)-END (\S+)", ln)
        if m and current == (m.group(1), m.group(2)):
            sections[current] = (body, ln)
            current = None
            continue
        if current:
            body.append(ln)
    if current:
        sections.setdefault(current, (body, None))

    planned = []
    for ln in lines:
        if ln.startswith("KVIRT-PLAN"):
            planned = ln.split()[1:]
    if not planned:
        tally.add(lab, "FAIL", "lab", "the lab had no tests to run")
    for name in planned:
        if name not in tests:
            tally.add(lab, "FAIL", name, "planned but never started")

    boot = sections.get(("DMESG", "boot"), ([], None))[0]
    for problem in kernel_problems(boot, tally):
        tally.add(lab, "FAIL", "boot: kernel log", problem)
    for name in tests:
        body, end = sections.get(("TEST", name), ([], None))
        dmesg = sections.get(("DMESG", name), ([], None))[0]
        judge_test(lab, name, body, end, dmesg, tally)

    unload = [ln for ln in lines if ln.startswith("KVIRT-UNLOAD")]
    if not unload:
        tally.add(lab, "FAIL", "unload kvirt", "lab died before it")
    elif unload[0] != "KVIRT-UNLOAD rc=0":
        tally.add(lab, "FAIL", "unload kvirt", unload[0])
    else:
        tally.add(lab, "PASS", "unload kvirt")
    for problem in kernel_problems(
            sections.get(("DMESG", "unload"), ([], None))[0], tally):
        tally.add(lab, "FAIL", "unload: kernel log", problem)
    if lines[-1:] != ["KVIRT-LAB-END"]:
        tally.add(lab, "FAIL", "lab", "the lab did not finish")

    console = path + ".console"
    if os.path.exists(console):
        with open(console, errors="replace") as f:
            for problem in kernel_problems(f.read().splitlines(), tally):
                tally.add(lab, "FAIL", "console", problem)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    tally = Tally()
    for arg in sys.argv[1:]:
        lab, _, path = arg.partition("=")
        if path.endswith(".tap"):
            judge_tap(lab, path, tally)
        else:
            judge_lab(lab, path, tally)
    print(f"{tally.passed} passed, {tally.failed} failed, "
          f"{tally.skipped} skipped")
    sys.exit(1 if tally.failed else 0)


if __name__ == "__main__":
    main()
