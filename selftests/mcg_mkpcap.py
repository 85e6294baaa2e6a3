#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""mcg_mkpcap.py FILE: a pcap capture of the UDP payloads given on
standard input, one packet per line:

    PORT HEX

each sent from fe80::1 port PORT to ff05::4242 port PORT (as mcg sends),
with hop limit 1, in an Ethernet frame, one second apart.  HEX is the
whole UDP payload (mcg_sealdump prints a datagram so; several
concatenated make a train as a capture on the sender shows it); "-" is
an empty payload.  The UDP checksum is computed as a receiver checks it."""

import struct
import sys

SRC = bytes.fromhex('fe800000000000000000000000000001')
DST = bytes.fromhex('ff050000000000000000000000004242')


def checksum(data):
    if len(data) % 2:
        data += b'\0'
    s = sum(struct.unpack('>%dH' % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff or 0xffff


def frame(port, payload):
    ulen = 8 + len(payload)
    pseudo = SRC + DST + struct.pack('>IxxxB', ulen, 17)
    udp = struct.pack('>HHHH', port, port, ulen, 0) + payload
    udp = udp[:6] + struct.pack('>H', checksum(pseudo + udp)) + udp[8:]
    ip6 = struct.pack('>IHBB', 6 << 28, ulen, 17, 1) + SRC + DST
    # To the IPv6 multicast MAC of DST, from a locally administered one.
    eth = b'\x33\x33' + DST[12:] + bytes.fromhex('020000000001') + b'\x86\xdd'
    return eth + ip6 + udp


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = [struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 262144, 1)]
    for n, line in enumerate(sys.stdin):
        port, hexdata = line.split()
        payload = b'' if hexdata == '-' else bytes.fromhex(hexdata)
        f = frame(int(port), payload)
        out.append(struct.pack('<IIII', n, 0, len(f), len(f)) + f)
    with open(sys.argv[1], 'wb') as fp:
        fp.write(b''.join(out))


if __name__ == '__main__':
    main()
