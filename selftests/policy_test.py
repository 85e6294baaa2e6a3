#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""The running kernel's policies for the "mcg" family, as the generic
netlink controller reports them (CTRL_CMD_GETPOLICY), against the YNL spec:
each command accepts exactly the attributes the spec lists for its request,
with the spec's types and checks.  KTAP output."""

import os
import socket
import struct
import sys

import yaml

NETLINK_GENERIC = 16
GENL_ID_CTRL = 0x10
CTRL_CMD_GETPOLICY = 10
CTRL_ATTR_FAMILY_NAME = 2
CTRL_ATTR_POLICY = 8
CTRL_ATTR_OP_POLICY = 9
CTRL_ATTR_POLICY_DO = 1
NLM_F_REQUEST, NLM_F_ACK, NLM_F_DUMP = 1, 4, 0x300
NLMSG_ERROR, NLMSG_DONE = 2, 3

# enum netlink_attribute_type and enum netlink_policy_type_attr
TYPES = {1: 'flag', 2: 'u8', 3: 'u16', 4: 'u32', 5: 'u64', 10: 'binary',
         11: 'string', 12: 'string', 13: 'nest', 14: 'nest-array'}
P_TYPE, P_MIN_U, P_MAX_U, P_MIN_LEN, P_MAX_LEN, P_IDX = 1, 4, 5, 6, 7, 8

TOP = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')
SPEC = os.path.join(TOP, 'Documentation/netlink/specs/mcg.yaml')


def attrs(buf):
    """(type, payload) of each netlink attribute in buf."""
    off = 0
    while off + 4 <= len(buf):
        length, typ = struct.unpack_from('HH', buf, off)
        if length < 4:
            break
        yield typ & 0x3fff, buf[off + 4:off + length]
        off += (length + 3) & ~3


def u(payload):
    return int.from_bytes(payload, 'little')


def dump_policies():
    """{cmd: do-policy index}, {index: {attr: {field: value}}}"""
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
    s.bind((0, 0))
    name = b'mcg\0'
    a = struct.pack('HH', 4 + len(name), CTRL_ATTR_FAMILY_NAME) + name
    a += b'\0' * ((4 - len(a) % 4) % 4)
    msg = struct.pack('IHHII', 16 + 4 + len(a), GENL_ID_CTRL,
                      NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP, 1, 0)
    msg += struct.pack('BBH', CTRL_CMD_GETPOLICY, 1, 0) + a
    s.send(msg)
    ops, pols = {}, {}
    while True:
        data = s.recv(1 << 16)
        off = 0
        while off < len(data):
            length, typ = struct.unpack_from('IH', data, off)
            body = data[off + 16:off + length]
            off += (length + 3) & ~3
            if typ == NLMSG_DONE:
                return ops, pols
            if typ == NLMSG_ERROR:
                err = struct.unpack_from('i', body)[0]
                if err:
                    raise OSError(-err, os.strerror(-err))
                return ops, pols
            for t, p in attrs(body[4:]):
                if t == CTRL_ATTR_OP_POLICY:
                    for cmd, nest in attrs(p):
                        for k, v in attrs(nest):
                            if k == CTRL_ATTR_POLICY_DO:
                                ops[cmd] = u(v)
                elif t == CTRL_ATTR_POLICY:
                    for idx, nest in attrs(p):
                        for attr, fields in attrs(nest):
                            pols.setdefault(idx, {})[attr] = {
                                k: u(v) for k, v in attrs(fields)}


def c_values(aset):
    """{attribute name: number} of a spec attribute set."""
    out, value = {}, 0
    for a in aset['attributes']:
        value = a.get('value', value)
        out[a['name']] = value
        value += 1
    return out


def compare(name, kernel, aset, allowed, sets, pols, problems):
    """Check one kernel policy against the spec attributes allowed."""
    numbers = c_values(aset)
    by_name = {a['name']: a for a in aset['attributes']}
    want = {numbers[n] for n in allowed}
    got = set(kernel)
    for n in sorted(want - got):
        problems.append(f'{name}: the kernel refuses attribute {n}')
    for n in sorted(got - want):
        problems.append(f'{name}: the kernel accepts attribute {n}, the spec does not')
    for n in sorted(want & got):
        spec = by_name[next(k for k, v in numbers.items() if v == n)]
        k = kernel[n]
        ktype = TYPES.get(k.get(P_TYPE), '?')
        stype = spec['type'] if spec['type'] != 'pad' else 'binary'
        if ktype != stype:
            problems.append(f'{name}.{spec["name"]}: kernel {ktype}, spec {stype}')
        checks = spec.get('checks', {})
        for field, key in ((P_MIN_U, 'min'), (P_MAX_U, 'max')):
            if key in checks and k.get(field) != checks[key]:
                problems.append(f'{name}.{spec["name"]}: {key} kernel '
                                f'{k.get(field)}, spec {checks[key]}')
        if 'exact-len' in checks and (k.get(P_MIN_LEN), k.get(P_MAX_LEN)) != \
                (checks['exact-len'], checks['exact-len']):
            problems.append(f'{name}.{spec["name"]}: length is not exactly '
                            f'{checks["exact-len"]}')
        if 'max-len' in checks and k.get(P_MAX_LEN) != checks['max-len']:
            problems.append(f'{name}.{spec["name"]}: max length kernel '
                            f'{k.get(P_MAX_LEN)}, spec {checks["max-len"]}')
        if stype == 'nest' and P_IDX in k:
            inner = sets[spec['nested-attributes']]
            compare(f'{name}.{spec["name"]}', pols.get(k[P_IDX], {}), inner,
                    [a for a, v in c_values(inner).items()
                     if v in pols.get(k[P_IDX], {})], sets, pols, problems)


def main():
    spec = yaml.safe_load(open(SPEC))
    sets = {s['name']: s for s in spec['attribute-sets']}
    cmds = {}
    value = 0
    for op in spec['operations']['list']:
        value = op.get('value', value)
        cmds[op['name']] = (value, op)
        value += 1
    print('TAP version 13')
    try:
        ops, pols = dump_policies()
    except OSError as e:
        print('1..0 # SKIP cannot read the policies: %s' % e)
        return 1
    # Events (notify, event) are the kernel's messages, not requests: an
    # event that shares its command's number has no policy of its own.
    tests = [(n, v, op) for n, (v, op) in cmds.items()
             if n != 'unspec' and 'notify' not in op and 'event' not in op]
    print(f'1..{len(tests)}')
    failed = 0
    for i, (name, cmd, op) in enumerate(tests, 1):
        problems = []
        allowed = op.get('do', {}).get('request', {}).get('attributes', [])
        kernel = pols.get(ops[cmd], {}) if cmd in ops else {}
        if cmd not in ops and allowed:
            problems.append(f'{name}: no policy in the kernel')
        compare(name, kernel, sets[op.get('attribute-set', 'mcg')], allowed,
                sets, pols, problems)
        for p in problems:
            print('# ' + p)
        print(('not ok' if problems else 'ok') + f' {i} {name}')
        failed |= bool(problems)
    return failed


if __name__ == '__main__':
    sys.exit(main())
