#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""mcg_cryptouser.py add|del DRIVER: instantiate a crypto template (such as
"pcrypt(generic-gcm-aesni)") or remove the instance again, over the
kernel's crypto_user netlink interface (NETLINK_CRYPTO), as crconf does.
Exits with the kernel's errno (0, or e.g. 17 EEXIST, 16 EBUSY).

The instance takes the generic name of what it wraps ("gcm(aes)") and,
for pcrypt, a priority above it: crypto_alloc_aead() picks it from then
on.  For tests."""

import os
import socket
import struct
import sys

NETLINK_CRYPTO = 21
CRYPTO_MSG_NEWALG = 0x10
CRYPTO_MSG_DELALG = 0x11
NLM_F_REQUEST = 1
NLM_F_ACK = 4
NLMSG_ERROR = 2
CRYPTO_ALG_TYPE_AEAD = 0x3
CRYPTO_ALG_TYPE_MASK = 0xf


def request(cmd, driver):
    # struct crypto_user_alg: cru_name, cru_driver_name, cru_module_name
    # (64 bytes each), cru_type, cru_mask, cru_refcnt, cru_flags.
    body = struct.pack('64s64s64sIIII', b'', driver.encode(), b'',
                       CRYPTO_ALG_TYPE_AEAD, CRYPTO_ALG_TYPE_MASK, 0, 0)
    msg = struct.pack('IHHII', 16 + len(body), cmd,
                      NLM_F_REQUEST | NLM_F_ACK, 1, 0) + body
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_CRYPTO)
    s.send(msg)
    reply = s.recv(65536)
    s.close()
    _, kind, _, _, _ = struct.unpack_from('IHHII', reply)
    if kind != NLMSG_ERROR:
        sys.exit(f'unexpected reply type {kind}')
    return -struct.unpack_from('i', reply, 16)[0]


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ('add', 'del'):
        sys.exit(__doc__)
    err = request(CRYPTO_MSG_NEWALG if sys.argv[1] == 'add' else CRYPTO_MSG_DELALG,
                  sys.argv[2])
    if err:
        print(f'{sys.argv[1]} {sys.argv[2]}: {os.strerror(err)}', file=sys.stderr)
    return err


if __name__ == '__main__':
    sys.exit(main())
