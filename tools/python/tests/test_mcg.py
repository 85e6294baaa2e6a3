# SPDX-License-Identifier: GPL-2.0
"""mcg.py without a kernel module: the family file, struct sockaddr_mcg,
generic netlink messages built and parsed against bytes laid out by hand
from linux/netlink.h and uapi/linux/mcg.h, the errors, and the ctypes
receive path on an AF_UNIX datagram pair (which, like AF_MCG, CPython
cannot name an address for here: unnamed)."""

import errno
import os
import socket
import struct
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import mcg  # noqa: E402


# asm-generic/socket.h (x86 too); CPython's socket module lacks it.
SO_TIMESTAMPNS = 35


def le(hexstr):
    return bytes.fromhex(hexstr.replace(" ", ""))


class Family(unittest.TestCase):
    def test_parses_the_parameter_file(self):
        self.assertEqual(mcg.parse_family("22\n"), 22)
        self.assertEqual(mcg.parse_family("18"), 18)

    def test_refuses_what_is_no_family(self):
        for text in ("", "x\n", "0\n", "-1\n", "65536\n", "0x16\n"):
            with self.assertRaises(OSError) as cm:
                mcg.parse_family(text)
            self.assertEqual(cm.exception.errno, errno.EINVAL)

    def test_reads_the_file(self):
        with tempfile.NamedTemporaryFile("w") as f:
            f.write("18\n")
            f.flush()
            self.assertEqual(mcg.family(f.name), 18)

    def test_module_not_loaded_says_modprobe(self):
        with self.assertRaises(OSError) as cm:
            mcg.family("/nonexistent/mcg/parameters/family")
        self.assertEqual(cm.exception.errno, errno.EAFNOSUPPORT)
        self.assertIn("not loaded", str(cm.exception))
        self.assertIn("modprobe mcg", str(cm.exception))


class Sockaddr(unittest.TestCase):
    # uapi.rst: family at 0 (2 bytes), reserved at 2, group at 4, sender
    # at 8, reserved2 at 12; host byte order (x86-64: little endian).
    def test_packs_as_the_header_lays_it_out(self):
        self.assertEqual(mcg.SOCKADDR.size, 16)
        self.assertEqual(mcg.pack_sockaddr(22, 0x01020304),
                         struct.pack("=H", 22) + b"\0\0" +
                         struct.pack("=I", 0x01020304) + bytes(8))
        self.assertEqual(mcg.pack_sockaddr(18, 5, 9)[8:12],
                         struct.pack("=I", 9))

    def test_group_ids_out_of_range(self):
        for bad in (0, -1, 1 << 32):
            with self.assertRaises(ValueError):
                mcg.pack_sockaddr(22, bad)
        self.assertEqual(mcg.pack_sockaddr(22, (1 << 32) - 1)[4:8], b"\xff" * 4)

    def test_unpacks_group_and_sender(self):
        raw = struct.pack("=HHIII", 22, 0, 7, 42, 0)
        self.assertEqual(mcg.unpack_sockaddr(raw, 16), (7, 42))

    def test_length_0_is_end_of_file(self):
        self.assertIsNone(mcg.unpack_sockaddr(bytes(16), 0))

    def test_short_address_refused(self):
        with self.assertRaises(OSError):
            mcg.unpack_sockaddr(bytes(16), 8)


class Netlink(unittest.TestCase):
    def test_attribute_padding(self):
        self.assertEqual(mcg.nla(2, b"ab\0"), le("0700 0200 616200 00"))
        self.assertEqual(mcg.nla(3, b"\1\0\0\0"), le("0800 0300 01000000"))

    def test_getfamily_request(self):
        req = mcg.genl_request(mcg.GENL_ID_CTRL, mcg.CTRL_CMD_GETFAMILY, 1,
                               mcg.nla(mcg.CTRL_ATTR_FAMILY_NAME, b"mcg\0"), 7)
        self.assertEqual(req, le(
            "1c000000 1000 0500 07000000 00000000"  # len 28, ctrl, REQ|ACK
            "03 01 0000"                            # GETFAMILY, version 1
            "0800 0200 6d636700"))                  # FAMILY_NAME "mcg"

    def test_group_get_request(self):
        req = mcg.genl_request(0x1f, mcg.MCG_CMD_GROUP_GET, 1,
                               mcg.group_request("chat"), 2)
        self.assertEqual(req, le(
            "20000000 1f00 0500 02000000 00000000"  # len 32
            "04 01 0000"
            "0900 0200 63686174 00 000000"))        # GROUP_NAME "chat"

    def test_group_names_checked_before_sending(self):
        for bad in ("", "x" * 16, "a\0b"):
            with self.assertRaises(ValueError):
                mcg.group_request(bad)
        mcg.group_request("x" * 15)

    def test_parse_attrs_masks_flags_and_stops_at_the_end(self):
        data = mcg.nla(3, b"\5\0\0\0") + struct.pack("=HH", 8, 0x8000 | 17) + bytes(4)
        self.assertEqual(mcg.parse_attrs(data), {3: b"\5\0\0\0", 17: bytes(4)})

    def test_parse_attrs_refuses_an_overrun(self):
        with self.assertRaises(OSError) as cm:
            mcg.parse_attrs(struct.pack("=HH", 12, 3) + bytes(4))
        self.assertEqual(cm.exception.errno, errno.EBADMSG)

    def test_group_reply_id(self):
        replies = [mcg.parse_attrs(mcg.nla(2, b"chat\0") + mcg.nla(3, struct.pack("=I", 7)))]
        self.assertEqual(mcg.group_reply_id(replies), 7)
        with self.assertRaises(OSError):
            mcg.group_reply_id([{2: b"chat\0"}])


def error_msg(err, seq, request, flags=0, tlvs=b""):
    """An NLMSG_ERROR as the kernel builds it: the error, the request
    (its header only when capped), then the extack TLVs."""
    echo = request if not flags & mcg.NLM_F_CAPPED else request[:16]
    payload = struct.pack("=i", -err) + echo + tlvs
    return struct.pack("=IHHII", 16 + len(payload), mcg.NLMSG_ERROR, flags,
                       seq, 0) + payload


def reply_msg(kind, seq, attrs, cmd=1):
    payload = struct.pack("=BBH", cmd, 1, 0) + attrs
    return struct.pack("=IHHII", 16 + len(payload), kind, 0, seq, 0) + payload


class Errors(unittest.TestCase):
    def test_ack(self):
        req = mcg.genl_request(0x1f, 4, 1, mcg.group_request("g"), 1)
        (kind, flags, seq, payload), = mcg.parse_messages(error_msg(0, 1, req))
        self.assertEqual((kind, seq), (mcg.NLMSG_ERROR, 1))
        self.assertEqual(mcg.parse_error(flags, payload), (0, None))

    def test_extack_of_a_capped_error(self):
        req = mcg.genl_request(0x1f, 4, 1, mcg.group_request("nope"), 3)
        tlv = mcg.nla(mcg.NLMSGERR_ATTR_MSG, b"no group with this name\0")
        msg = error_msg(errno.ENOENT, 3, req,
                        mcg.NLM_F_CAPPED | mcg.NLM_F_ACK_TLVS, tlv)
        (_, flags, _, payload), = mcg.parse_messages(msg)
        self.assertEqual(mcg.parse_error(flags, payload),
                         (errno.ENOENT, "no group with this name"))

    def test_extack_after_a_whole_echoed_request(self):
        req = mcg.genl_request(0x1f, 4, 1, mcg.group_request("nope"), 3)
        tlv = mcg.nla(mcg.NLMSGERR_ATTR_MSG, b"bad name\0") + mcg.nla(3, bytes(4))
        msg = error_msg(errno.EINVAL, 3, req, mcg.NLM_F_ACK_TLVS, tlv)
        (_, flags, _, payload), = mcg.parse_messages(msg)
        self.assertEqual(mcg.parse_error(flags, payload), (errno.EINVAL, "bad name"))

    def test_errno_without_extack(self):
        req = mcg.genl_request(0x1f, 4, 1, mcg.group_request("g"), 1)
        (_, flags, _, payload), = mcg.parse_messages(error_msg(errno.EPERM, 1, req))
        self.assertEqual(mcg.parse_error(flags, payload), (errno.EPERM, None))

    def test_bind_errors_name_the_group(self):
        e = mcg.bind_error(errno.EADDRNOTAVAIL, 7)
        self.assertEqual(e.errno, errno.EADDRNOTAVAIL)
        self.assertIn("no group with id 7 in this network namespace", str(e))
        self.assertEqual(mcg.bind_error(errno.EPERM, 7).strerror,
                         os.strerror(errno.EPERM))

    def test_errnos_become_the_socket_modules_classes(self):
        self.assertIsInstance(mcg._oserror(errno.EAGAIN), BlockingIOError)
        self.assertIsInstance(mcg._oserror(errno.EINTR), InterruptedError)
        self.assertEqual(mcg._oserror(errno.ENODEV).errno, errno.ENODEV)


class FakeNetlink:
    """A netlink socket that answers each request with canned replies."""

    def __init__(self, answer):
        self.answer = answer
        self.sent = []
        self.queue = []

    def send(self, data):
        self.sent.append(data)
        seq = struct.unpack_from("=I", data, 8)[0]
        self.queue.append(self.answer(data, seq))
        return len(data)

    def recv(self, size):
        return self.queue.pop(0)

    def close(self):
        pass


class GroupId(unittest.TestCase):
    def lookup(self, answer, name="chat"):
        fake = FakeNetlink(answer)

        class Genl(mcg._Genl):
            def __init__(self):
                self.sock = fake
                self.seq = 0
        saved = mcg._Genl
        mcg._Genl = Genl
        try:
            return mcg.group_id(name), fake
        finally:
            mcg._Genl = saved

    def test_resolves_the_family_then_the_group(self):
        def answer(req, seq):
            kind = struct.unpack_from("=H", req, 4)[0]
            if kind == mcg.GENL_ID_CTRL:
                attrs = mcg.nla(mcg.CTRL_ATTR_FAMILY_ID, struct.pack("=H", 0x1f))
            else:
                attrs = mcg.nla(2, b"chat\0") + mcg.nla(3, struct.pack("=I", 9))
            # Another request's stale reply first: skipped by its seq.
            return (reply_msg(kind, seq + 100, b"") + reply_msg(kind, seq, attrs) +
                    error_msg(0, seq, req, mcg.NLM_F_CAPPED))
        gid, fake = self.lookup(answer)
        self.assertEqual(gid, 9)
        self.assertEqual(struct.unpack_from("=H", fake.sent[1], 4)[0], 0x1f)
        self.assertEqual(fake.sent[1][16:20], bytes([mcg.MCG_CMD_GROUP_GET, 1, 0, 0]))

    def test_no_group_raises_the_kernels_message(self):
        def answer(req, seq):
            if struct.unpack_from("=H", req, 4)[0] == mcg.GENL_ID_CTRL:
                return reply_msg(0x10, seq, mcg.nla(1, struct.pack("=H", 0x1f))) + \
                    error_msg(0, seq, req, mcg.NLM_F_CAPPED)
            return error_msg(errno.ENOENT, seq, req,
                             mcg.NLM_F_CAPPED | mcg.NLM_F_ACK_TLVS,
                             mcg.nla(1, b"no group with this name\0"))
        with self.assertRaises(OSError) as cm:
            self.lookup(answer)
        self.assertEqual(cm.exception.errno, errno.ENOENT)
        self.assertEqual(cm.exception.strerror, "no group with this name")

    def test_no_family_says_modprobe(self):
        def answer(req, seq):
            return error_msg(errno.ENOENT, seq, req, mcg.NLM_F_CAPPED)
        with self.assertRaises(OSError) as cm:
            self.lookup(answer)
        self.assertEqual(cm.exception.errno, errno.ENOENT)
        self.assertIn("modprobe mcg", str(cm.exception))


class Receive(unittest.TestCase):
    """The ctypes recvmsg() path, on a socket CPython does know."""

    def setUp(self):
        self.a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.s = mcg.Socket.__new__(mcg.Socket)
        self.s._sock = b
        self.s.group = 1

    def tearDown(self):
        self.a.close()
        self.s.close()

    def test_data_and_an_address_of_length_0(self):
        self.a.send(b"hello")
        self.assertEqual(self.s.recv(), (None, b"hello"))

    def test_empty_message(self):
        self.a.send(b"")
        self.assertEqual(self.s.recvmsg()[0], b"")

    def test_short_buffer_truncates_and_says_so(self):
        self.a.send(b"0123456789")
        data, _, flags, _ = self.s.recvmsg(4)
        self.assertEqual(data, b"0123")
        self.assertTrue(flags & socket.MSG_TRUNC)

    def test_nonblocking_raises_blockingioerror(self):
        self.s.setblocking(False)
        with self.assertRaises(BlockingIOError):
            self.s.recv()

    def test_timeout(self):
        self.s.settimeout(0.05)
        t = time.monotonic()
        with self.assertRaises(TimeoutError):
            self.s.recv()
        self.assertGreaterEqual(time.monotonic() - t, 0.04)
        self.a.send(b"x")
        self.assertEqual(self.s.recv()[1], b"x")

    def test_ancillary_data(self):
        self.s.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        before = time.time()
        self.a.send(b"t")
        _, anc, _, _ = self.s.recvmsg(16, socket.CMSG_SPACE(16))
        (level, kind, data), = anc
        self.assertEqual((level, kind), (socket.SOL_SOCKET, SO_TIMESTAMPNS))
        sec, nsec = struct.unpack("=qq", data)
        self.assertAlmostEqual(sec + nsec / 1e9, before, delta=5)

    def test_parse_cmsgs_of_two(self):
        one = struct.pack("=Qii", 20, 1, 29) + b"abcd" + bytes(4)
        two = struct.pack("=Qii", 16, 41, 7)
        self.assertEqual(mcg.parse_cmsgs(one + two),
                         [(1, 29, b"abcd"), (41, 7, b"")])


if __name__ == "__main__":
    unittest.main()
