#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""mcg_failnth.py IFNAME [OP...]: every memory allocation (and user copy)
that an mcg request makes, failed in turn.

For each operation -- a generic netlink request, or socket(), bind() and
send() on an AF_MCG socket -- the N-th fault-injection point the calling
thread reaches is made to fail (/proc/thread-self/fail-nth, which counts
failslab, fail_page_alloc and usercopy points), for N = 1, 2, ... until the
operation completes without reaching its N-th point.  Every time:

  - the operation either succeeds or returns an error to its caller;
  - when it fails, the configuration is exactly as before;
  - when it succeeds, the configuration is exactly what it is after a run
    without faults (a lost netlink ACK, ENOBUFS, may hide either);
  - a send reported sent counted one tx_packet and reached the local
    reader or counted its copy lost (rx_drop_nomem when the plaintext
    could not be kept, rx_drop_rcvbuf when its copy could not be made);
    a failed send counted none.

The kernel must be configured for it: failslab and fail_page_alloc with
ignore-gfp-wait N (and min-order 0), as faults.sh does.  Prints one line
per operation (failure points, errors by errno) and exits non-zero with
the first violation.  Runs in the network namespace of IFNAME."""

import ctypes
import errno
import os
import socket
import struct
import sys

from mcg_genl import (
    A_GROUP_ADDR, A_GROUP_HOPLIMIT, A_GROUP_ID, A_GROUP_IFINDEX, A_GROUP_MODE,
    A_GROUP_NAME, A_GROUP_PORT, A_GROUP_SENDER, A_GROUP_SOURCES,
    A_GROUP_TX_EPOCH, A_GROUP_WINDOW, A_KEY, A_KEY_ALG, A_KEY_EPOCH,
    A_KEY_MATERIAL, A_KEY_RX_ONLY, A_SOURCE_ADDR, A_STATS_RX_DROP_NOMEM, A_STATS_RX_DROP_RCVBUF,
    A_STATS_TX_PACKETS, CMD_FLUSH, CMD_GROUP_DEL, CMD_GROUP_GET,
    CMD_GROUP_NEW, CMD_GROUP_SET, CMD_KEY_DEL, CMD_KEY_NEW, CMD_STATS_GET,
    NLM_F_ACK, NLM_F_DUMP, Genl, nest, nla, stats, state, string, u8, u16,
    u32)

MAX_POINTS = 5000


class FailNth:
    """The calling thread's fail-nth: arm(n) makes its n-th injection point
    fail; disarm() says whether that point was reached."""

    def __init__(self):
        try:
            self.fd = os.open('/proc/thread-self/fail-nth', os.O_RDWR)
        except OSError as e:
            sys.exit(f'no fail-nth ({e.strerror}): needs CONFIG_FAULT_INJECTION')

    def arm(self, n):
        os.write(self.fd, b'%d' % n)

    def disarm(self):
        # Reading copies to user space, itself an injection point: when
        # exactly one was left, the read fails (and consumes it).
        try:
            left = int(os.pread(self.fd, 32, 0) or b'0')
        except OSError:
            left = 1
        # The write copies from user space too: with two points left at
        # the read, it is the one that fails, EFAULT, and the next write
        # finds nothing armed.
        for _ in range(2):
            try:
                os.write(self.fd, b'0')
                break
            except OSError as e:
                if e.errno != errno.EFAULT:
                    raise
        else:
            raise OSError(errno.EFAULT, 'fail-nth cannot be disarmed')
        return left == 0


# The configuration every operation starts from: group "g" (id 1) with the
# key of epoch 1, sending.
ADDR1 = socket.inet_pton(socket.AF_INET6, 'ff05::1:1')
ADDR2 = socket.inet_pton(socket.AF_INET6, 'ff05::1:2')
SRC = socket.inet_pton(socket.AF_INET6, 'fe80::1234')
KEY1 = bytes(range(16))
KEY2 = bytes(range(32))


def base_group(ifindex):
    return (string(A_GROUP_NAME, 'g') + u32(A_GROUP_ID, 1) +
            nla(A_GROUP_ADDR, ADDR1) + u32(A_GROUP_IFINDEX, ifindex) +
            u32(A_GROUP_SENDER, 1))


def key(epoch, alg, material, rx_only=False):
    return nest(A_KEY, u32(A_KEY_EPOCH, epoch), u32(A_KEY_ALG, alg),
                nla(A_KEY_MATERIAL, material),
                nla(A_KEY_RX_ONLY, b'') if rx_only else b'')


G1 = u32(A_GROUP_ID, 1)


def netlink_ops(ifindex):
    """name: (cmd, body, dump, [(cmd, body)] that undo it)"""
    restore = [(CMD_GROUP_NEW, base_group(ifindex)),
               (CMD_KEY_NEW, G1 + key(1, 1, KEY1))]
    return {
        'group_new': (CMD_GROUP_NEW,
                      string(A_GROUP_NAME, 'h') + u32(A_GROUP_ID, 2) +
                      nla(A_GROUP_ADDR, ADDR2) + u32(A_GROUP_IFINDEX, ifindex) +
                      u16(A_GROUP_PORT, 7000) + u32(A_GROUP_SENDER, 5) +
                      u8(A_GROUP_HOPLIMIT, 3) + u32(A_GROUP_WINDOW, 2048) +
                      nest(A_GROUP_SOURCES, nla(A_SOURCE_ADDR, SRC)),
                      False, [(CMD_GROUP_DEL, u32(A_GROUP_ID, 2))]),
        'key_new': (CMD_KEY_NEW, G1 + key(2, 3, KEY2), False,
                    [(CMD_KEY_DEL, G1 + nest(A_KEY, u32(A_KEY_EPOCH, 2)))]),
        'key_new_rx_only': (CMD_KEY_NEW, G1 + key(3, 2, KEY2, True), False,
                            [(CMD_KEY_DEL, G1 + nest(A_KEY, u32(A_KEY_EPOCH, 3)))]),
        'key_del': (CMD_KEY_DEL, G1 + nest(A_KEY, u32(A_KEY_EPOCH, 1)), False,
                    [(CMD_KEY_NEW, G1 + key(1, 1, KEY1))]),
        'group_set': (CMD_GROUP_SET,
                      G1 + u32(A_GROUP_WINDOW, 4096) + u8(A_GROUP_HOPLIMIT, 9) +
                      u16(A_GROUP_MODE, 0o600) + u32(A_GROUP_TX_EPOCH, 1),
                      False,
                      [(CMD_GROUP_SET, G1 + u32(A_GROUP_WINDOW, 1024) +
                        u8(A_GROUP_HOPLIMIT, 1) + u16(A_GROUP_MODE, 0o660) +
                        u32(A_GROUP_TX_EPOCH, 0))]),
        'group_del': (CMD_GROUP_DEL, G1, False, restore),
        'flush': (CMD_FLUSH, b'', False, restore),
        'group_get': (CMD_GROUP_GET, G1, False, []),
        'group_dump': (CMD_GROUP_GET, b'', True, []),
        'stats_get': (CMD_STATS_GET, G1, False, []),
        'stats_dump': (CMD_STATS_GET, b'', True, []),
    }


class Violation(Exception):
    pass


def run_netlink_op(name, op, fail):
    cmd, body, dump, undo = op
    ctl = Genl()
    base = state(ctl)

    def attempt(n):
        g = Genl(ctl.family)
        if n:
            fail.arm(n)
        try:
            g.s.send(g.msg(g.family, cmd, NLM_F_DUMP if dump else NLM_F_ACK, body))
            sent = 0
        except OSError as e:
            sent = -e.errno
        reached = fail.disarm() if n else False
        err, _ = (sent, None) if sent else g.replies()
        g.close()
        return err, reached, sent != 0

    def put_back():
        if state(ctl) != base:
            for c, b in undo:
                err, _ = ctl.request(c, b)
                if err:
                    raise Violation(f'{name}: undoing it failed: {os.strerror(abs(err))}')
        if state(ctl) != base:
            raise Violation(f'{name}: the configuration could not be restored')

    err, _, _ = attempt(0)
    if err:
        raise Violation(f'{name}: fails without faults: {os.strerror(abs(err))}')
    done = state(ctl)
    put_back()

    errors = {}
    n = 0
    while True:
        n += 1
        if n > MAX_POINTS:
            raise Violation(f'{name}: still reaching new failure points after {MAX_POINTS}')
        err, reached, at_send = attempt(n)
        now = state(ctl)
        if not reached:
            if err or now != done:
                raise Violation(f'{name}: without a fault it gave {err} and '
                                f'{"the same" if now == done else "another"} result')
            put_back()
            break
        errors[err] = errors.get(err, 0) + 1
        lost_ack = err == -errno.ENOBUFS and not at_send
        if err == 0 and now != done:
            raise Violation(f'{name}, fail-nth {n}: succeeded, but the '
                            f'configuration is not what the request asks')
        if err and now != base and not (lost_ack and now == done):
            raise Violation(f'{name}, fail-nth {n}: failed with '
                            f'{errno.errorcode.get(abs(err), err)} and changed '
                            f'the configuration')
        put_back()
    ctl.close()
    hist = ', '.join(f'{errno.errorcode.get(abs(e), e) if e else "ok"} {c}'
                     for e, c in sorted(errors.items()))
    print(f'{name}: {n - 1} failure points: {hist}')


libc = ctypes.CDLL(None, use_errno=True)


def sockaddr(family, group):
    return struct.pack('HHIII', family, 0, group, 0, 0)


def mcg_socket(family, group):
    fd = libc.socket(family, socket.SOCK_DGRAM, 0)
    if fd < 0:
        return -ctypes.get_errno()
    a = sockaddr(family, group)
    if libc.bind(fd, a, len(a)) < 0:
        e = ctypes.get_errno()
        os.close(fd)
        return -e
    return fd


def run_socket_ops(fail):
    family = int(open('/sys/module/mcg/parameters/family').read())
    ctl = Genl()

    # socket() and bind(): an error, or a socket bound to the group.
    errors, n = {}, 0
    while True:
        n += 1
        fail.arm(n)
        fd = mcg_socket(family, 1)
        reached = fail.disarm()
        if fd >= 0:
            os.close(fd)
        if not reached:
            if fd < 0:
                raise Violation(f'socket: fails without a fault: {os.strerror(-fd)}')
            break
        e = 0 if fd >= 0 else fd
        errors[e] = errors.get(e, 0) + 1
    hist = ', '.join(f'{errno.errorcode.get(abs(e), e) if e else "ok"} {c}'
                     for e, c in sorted(errors.items()))
    print(f'socket_bind: {n - 1} failure points: {hist}')

    # send(): to the network and to a local reader on the same host.
    tx = mcg_socket(family, 1)
    rx = mcg_socket(family, 1)
    if tx < 0 or rx < 0:
        raise Violation('cannot open the sockets without faults')
    buf = ctypes.create_string_buffer(2048)
    msg = b'x' * 100
    errors, n = {}, 0
    while True:
        n += 1
        before = stats(ctl, 1)
        fail.arm(n)
        r = libc.send(tx, msg, len(msg), 0)
        e = ctypes.get_errno()
        reached = fail.disarm()
        after = stats(ctl, 1)
        got = libc.recv(rx, buf, len(buf), socket.MSG_DONTWAIT)
        sent = after.get(A_STATS_TX_PACKETS, 0) - before.get(A_STATS_TX_PACKETS, 0)
        lost = sum(after.get(c, 0) - before.get(c, 0)
                   for c in (A_STATS_RX_DROP_NOMEM, A_STATS_RX_DROP_RCVBUF))
        if r == len(msg):
            if sent != 1:
                raise Violation(f'send, fail-nth {n}: sent, but tx_packets grew by {sent}')
            if got != len(msg) and lost != 1:
                raise Violation(f'send, fail-nth {n}: the local reader got {got} '
                                f'and rx_drop_nomem and rx_drop_rcvbuf grew by {lost}')
        elif r < 0:
            if sent != 0 or got >= 0:
                raise Violation(f'send, fail-nth {n}: failed with '
                                f'{errno.errorcode.get(e, e)}, yet counted {sent} '
                                f'sent and the reader got {got}')
        else:
            raise Violation(f'send, fail-nth {n}: sent {r} of {len(msg)} bytes')
        if not reached:
            if r < 0:
                raise Violation(f'send: fails without a fault: {os.strerror(e)}')
            break
        k = 0 if r >= 0 else -e
        errors[k] = errors.get(k, 0) + 1
    os.close(tx)
    os.close(rx)
    ctl.close()
    hist = ', '.join(f'{errno.errorcode.get(abs(e), e) if e else "ok"} {c}'
                     for e, c in sorted(errors.items()))
    print(f'send: {n - 1} failure points: {hist}')


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    ifindex = socket.if_nametoindex(sys.argv[1])
    wanted = sys.argv[2:]
    fail = FailNth()
    ctl = Genl()
    for cmd, body in ((CMD_FLUSH, b''), (CMD_GROUP_NEW, base_group(ifindex)),
                      (CMD_KEY_NEW, G1 + key(1, 1, KEY1))):
        err, _ = ctl.request(cmd, body)
        if err:
            sys.exit(f'setup failed: {os.strerror(abs(err))}')
    try:
        for name, op in netlink_ops(ifindex).items():
            if not wanted or name in wanted:
                run_netlink_op(name, op, fail)
        if not wanted or 'socket' in wanted:
            run_socket_ops(fail)
    except Violation as v:
        print(f'FAIL: {v}')
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
