#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""mcgd_poll.py TIMEOUT SOCKET...: ask the mcgd behind each control socket
(as mcgctl daemon show does) for group "team", in one process: spawning
mcgctl and jq per daemon is slow in a TCG guest with a hundred of them.

Waits until one epoch, newer than any the first daemon (the key server)
sends on when called, is installed there, then until every daemon sends
on it; prints "new EPOCH after MS ms all" with the milliseconds from the
epoch's first sight to the last daemon sending on it.  With --formed,
waits only until all send on one epoch and prints "formed EPOCH".
Exits 1 on timeout, saying how many were on it.

mcgd_poll.py --when FIELD VALUE TIMEOUT SOCKET: prints "ready" once it
polls, then, every 20 ms, until FIELD of the one daemon reads VALUE; prints
the wall clock of that sight in milliseconds since the epoch (what
"date +%s%3N" prints), so that a script times an event it causes after
"ready" more finely than by starting mcgctl and jq in a loop."""

import socket
import sys
import time


def show(path):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(2)
    try:
        s.connect(path)
        s.sendall(b"show team\n")
        data = b""
        while True:
            b = s.recv(65536)
            if not b:
                break
            data += b
    except OSError:
        return {}
    finally:
        s.close()
    d = {"epochs": []}
    for line in data.decode().splitlines():
        f = line.split("\t")
        if len(f) == 2 and f[0] == "epoch":
            d["epochs"].append(int(f[1], 0))
        elif len(f) == 2:
            d[f[0]] = f[1]
    return d


def tx(d):
    return int(d.get("tx_epoch", "0"), 0)


def when(field, value, timeout, path):
    deadline = time.monotonic() + timeout
    print("ready", flush=True)
    while time.monotonic() < deadline:
        if show(path).get(field) == value:
            print(time.time_ns() // 1000000, flush=True)
            return 0
        time.sleep(0.02)
    print("%s never read %s" % (field, value))
    return 1


def main():
    args = sys.argv[1:]
    if args[0] == "--when":
        return when(args[1], args[2], float(args[3]), args[4])
    formed = args[0] == "--formed"
    if formed:
        args = args[1:]
    deadline = time.monotonic() + float(args[0])
    socks = args[1:]
    if formed:
        while time.monotonic() < deadline:
            txs = {tx(show(p)) for p in socks}
            if len(txs) == 1 and 0 not in txs:
                print("formed %#x" % txs.pop())
                return 0
            time.sleep(0.5)
        print("not formed: %d distinct epochs" % len(txs))
        return 1
    old = tx(show(socks[0]))
    new = None
    while time.monotonic() < deadline and new is None:
        e = [x for x in show(socks[0]).get("epochs", []) if x > old]
        if e:
            new, t0 = max(e), time.monotonic()
        else:
            time.sleep(0.05)
    if new is None:
        print("no new epoch at the key server")
        return 1
    while time.monotonic() < deadline:
        on = sum(tx(show(p)) == new for p in socks)
        if on == len(socks):
            print("new %#x after %d ms all" % (new, (time.monotonic() - t0) * 1000))
            return 0
        time.sleep(0.05)
    print("new %#x: %d of %d on it" % (new, on, len(socks)))
    return 1


sys.exit(main())
