#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""mcg_pcap.py [--hex] FILE [PORT]: list the mcg datagrams of a pcap
capture (from tcpdump -w on an Ethernet or veth interface), one per line:

    hoplimit group sender epoch run seq ciphertext_len [datagram_hex]

--hex adds the whole UDP payload in hex, as mcg_inject -x takes it.

The header is read by its documented layout (Documentation/wire-format.rst),
independently of the kernel's code."""

import struct
import sys


def datagrams(path, port=6470):
    data = open(path, 'rb').read()
    magic = struct.unpack_from('<I', data)[0]
    endian = '<' if magic in (0xa1b2c3d4, 0xa1b23c4d) else '>'
    off = 24
    while off + 16 <= len(data):
        _, _, caplen, _ = struct.unpack_from(endian + 'IIII', data, off)
        pkt = data[off + 16:off + 16 + caplen]
        off += 16 + caplen
        if len(pkt) < 14 + 40 + 8 or pkt[12:14] != b'\x86\xdd':
            continue
        ip6 = pkt[14:]
        if ip6[6] != 17:		# next header: UDP only
            continue
        hlim = ip6[7]
        udp = ip6[40:]
        dport = struct.unpack_from('>H', udp, 2)[0]
        if dport != port:
            continue
        payload = udp[8:]
        if len(payload) < 48:
            continue
        ver, typ, _, group, sender, epoch, run, seq = struct.unpack_from(
            '>BBHIIIQQ', payload)
        yield hlim, group, sender, epoch, run, seq, len(payload) - 48, payload


def main():
    args = sys.argv[1:]
    hexout = bool(args) and args[0] == '--hex'
    if hexout:
        args = args[1:]
    port = int(args[1]) if len(args) > 1 else 6470
    for d in datagrams(args[0], port):
        print(*d[:7], *([d[7].hex()] if hexout else []))


if __name__ == '__main__':
    main()
