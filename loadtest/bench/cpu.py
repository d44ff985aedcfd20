#!/usr/bin/env python3
"""cpu.py GO OUT: from GO-2 s to GO+8 s, every 0.5 s, CPU seconds used so far by the server,
its Redis, Postgres and the loadtest processes, and the machine's busy and idle time. The
process ids are looked up once, before the instant, and each sample only reads /proc, so the
sampler itself costs next to nothing during the burst (the shell version forked awk, bc and
pgrep each second: ~10% of the two cores)."""
import os, subprocess, sys, time

go, out = float(sys.argv[1]), sys.argv[2]
root = os.environ.get("ROOT", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
hz = os.sysconf("SC_CLK_TCK")


def pids(*args):
    r = subprocess.run(["pgrep", *args], capture_output=True, text=True)
    return [int(p) for p in r.stdout.split()]


def ticks(ps):
    total = 0
    for p in ps:
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except OSError:
            pass
    return total / hz


time.sleep(max(0.0, go - 3 - time.time()))
groups = {
    "server": pids("-f", "release/thiluat demo"),
    "redis": [int(open(os.path.join(root, ".run/redis-demo/redis.pid")).read())],
    "postgres": pids("-x", "postgres"),
    "loadtest": pids("-x", "loadtest"),
}
time.sleep(max(0.0, go - 2 - time.time()))
with open(out, "w") as f:
    while time.time() < go + 8:
        with open("/proc/stat") as s:
            cpu = [int(x) for x in s.readline().split()[1:]]
        busy = (cpu[0] + cpu[1] + cpu[2] + cpu[5] + cpu[6] + cpu[7]) / hz
        idle = (cpu[3] + cpu[4]) / hz
        parts = " ".join(f"{k} {ticks(v):.2f}" for k, v in groups.items())
        f.write(f"{time.time():.3f} machine-busy {busy:.2f} idle+iowait {idle:.2f} {parts}\n")
        f.flush()
        time.sleep(0.5)
