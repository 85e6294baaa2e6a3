#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Generic netlink for mcg's Python tests: the "mcg" family's numbers from
uapi/linux/mcg.h, attribute builders, a socket that sends a request and
collects its answer, and the namespace's configuration as a comparable
value (without counters or creation times)."""

import os
import socket
import struct
import sys

NETLINK_GENERIC = 16
GENL_ID_CTRL = 0x10
CTRL_CMD_GETFAMILY = 3
CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME = 1, 2
NLM_F_REQUEST, NLM_F_ACK, NLM_F_DUMP = 1, 4, 0x300
NLMSG_ERROR, NLMSG_DONE = 2, 3

# uapi/linux/mcg.h
(CMD_GROUP_NEW, CMD_GROUP_SET, CMD_GROUP_DEL, CMD_GROUP_GET, CMD_KEY_NEW,
 CMD_KEY_DEL, CMD_STATS_GET, CMD_FLUSH) = range(1, 9)
(A_GROUP_NAME, A_GROUP_ID, A_GROUP_ADDR, A_GROUP_PORT, A_GROUP_IFINDEX,
 A_GROUP_IFNAME, A_GROUP_SOURCES, A_GROUP_HOPLIMIT, A_GROUP_WINDOW,
 A_GROUP_SENDER, A_GROUP_UID, A_GROUP_GID, A_GROUP_MODE, A_GROUP_TX_EPOCH,
 A_GROUP_TX_EPOCH_AUTO, A_GROUP_KEYS, A_KEY, A_STATS) = range(2, 20)
A_SOURCE_ADDR = 1
A_KEYS_KEY = 1
(A_KEY_EPOCH, A_KEY_ALG, A_KEY_MATERIAL, A_KEY_RX_ONLY, A_KEY_CREATED,
 A_KEY_SENDING, A_KEY_TX_PACKETS, A_KEY_RX_PACKETS) = range(2, 10)
A_STATS_TX_PACKETS, A_STATS_RX_DELIVERED, A_STATS_RX_DROP_NOMEM, A_STATS_RX_DROP_RCVBUF = 2, 9, 18, 19
NLA_F_NESTED = 0x8000

# What a configuration is made of; counters and creation times are not.
KEY_STATE = {A_KEY_EPOCH, A_KEY_ALG, A_KEY_SENDING}


def nla(typ, payload):
    a = struct.pack('HH', 4 + len(payload), typ) + payload
    return a + b'\0' * ((4 - len(a) % 4) % 4)


def nest(typ, *attrs):
    return nla(typ | NLA_F_NESTED, b''.join(attrs))


def u8(typ, v): return nla(typ, struct.pack('B', v))
def u16(typ, v): return nla(typ, struct.pack('H', v))
def u32(typ, v): return nla(typ, struct.pack('I', v))
def string(typ, s): return nla(typ, s.encode() + b'\0')


def attrs(buf):
    off = 0
    while off + 4 <= len(buf):
        length, typ = struct.unpack_from('HH', buf, off)
        if length < 4:
            break
        yield typ & 0x3fff, buf[off + 4:off + length]
        off += (length + 3) & ~3


class Genl:
    """A generic netlink socket of the "mcg" family."""

    def __init__(self, family=None):
        self.s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW,
                               NETLINK_GENERIC)
        self.s.bind((0, 0))
        self.s.settimeout(10)
        self.seq = 0
        self.family = family or self.resolve()

    def close(self):
        self.s.close()

    def msg(self, family, cmd, flags, body):
        self.seq += 1
        return struct.pack('IHHII', 20 + len(body), family,
                           NLM_F_REQUEST | flags, self.seq, 0) + \
            struct.pack('BBH', cmd, 1, 0) + body

    def replies(self):
        """(errno, [payloads]) until the ACK, the error or the dump's end.
        errno is negative when recv() itself failed (e.g. -ENOBUFS: the
        kernel could not queue its answer)."""
        out = []
        while True:
            try:
                data = self.s.recv(1 << 16)
            except OSError as e:
                return -e.errno, out
            off = 0
            while off + 16 <= len(data):
                length, typ = struct.unpack_from('IH', data, off)
                body = data[off + 16:off + length]
                off += (length + 3) & ~3
                if typ in (NLMSG_ERROR, NLMSG_DONE):
                    err = struct.unpack_from('i', body)[0] if body else 0
                    return -err, out
                out.append(body[4:])

    def resolve(self):
        self.s.send(self.msg(GENL_ID_CTRL, CTRL_CMD_GETFAMILY, NLM_F_ACK,
                             string(CTRL_ATTR_FAMILY_NAME, 'mcg')))
        err, out = self.replies()
        if err or not out:
            sys.exit(f'cannot resolve the mcg family: {os.strerror(abs(err))}')
        for t, p in attrs(out[0]):
            if t == CTRL_ATTR_FAMILY_ID:
                return struct.unpack('H', p)[0]
        sys.exit('no family id in the controller reply')

    def request(self, cmd, body, dump=False):
        self.s.send(self.msg(self.family, cmd,
                             NLM_F_DUMP if dump else NLM_F_ACK, body))
        return self.replies()


def state(g):
    """The configuration of the namespace, comparable with ==."""
    err, out = g.request(CMD_GROUP_GET, b'', dump=True)
    if err:
        sys.exit(f'GROUP_GET dump failed without faults: {os.strerror(abs(err))}')
    groups = []
    for body in out:
        grp = {}
        for t, p in attrs(body):
            if t == A_GROUP_KEYS:
                grp[t] = tuple(sorted(
                    tuple(sorted((kt, kp) for kt, kp in attrs(k) if kt in KEY_STATE))
                    for _, k in attrs(p)))
            elif t == A_GROUP_SOURCES:
                grp[t] = tuple(sorted(p for _, p in attrs(p)))
            else:
                grp[t] = p
        groups.append(tuple(sorted(grp.items())))
    return tuple(sorted(groups))


def stats(g, group_id):
    err, out = g.request(CMD_STATS_GET, u32(A_GROUP_ID, group_id))
    if err or not out:
        sys.exit(f'STATS_GET failed without faults: {os.strerror(abs(err))}')
    for t, p in attrs(out[0]):
        if t == A_STATS:
            return {k: struct.unpack('Q', v)[0] for k, v in attrs(p)}
    return {}
