# SPDX-License-Identifier: GPL-2.0
"""AF_MCG sockets from Python: secure group messaging over IPv6 multicast.

    import mcg

    with mcg.Socket("chat") as s:          # a group's name or numeric id
        s.send(b"hello")
        sender, data = s.recv()            # the authenticated sender id

CPython's socket module can open a socket of a family it does not know,
and send() and recv() on it work, but bind(), sendto(), recvfrom(),
recvmsg() and getsockname() refuse any address of such a family before
the system call ("bad family").  This module makes those calls through
ctypes, and looks group names up over generic netlink with CPython's own
AF_NETLINK socket.  It needs nothing but the standard library.

Errors are OSError with the errno the kernel gave (mcg(7),
Documentation/uapi.rst): ENODEV once the group is deleted, EMSGSIZE for
a message larger than the group's path, EACCES, ENOKEY...; on a
non-blocking socket, BlockingIOError when nothing is there.  For asyncio,
a non-blocking socket's fileno() goes to loop.add_reader().
"""

import contextlib
import ctypes
import errno
import os
import select
import socket
import struct
import time

__all__ = ["family", "group_id", "Socket", "MAX_MESSAGE", "FAMILY_FILE"]

FAMILY_FILE = "/sys/module/mcg/parameters/family"

# The largest message a group carries: a buffer this large never
# truncates one (Documentation/uapi.rst, Sending and receiving).
MAX_MESSAGE = 65479

# struct sockaddr_mcg (uapi/linux/mcg.h), in host byte order: family,
# reserved, group, sender, reserved2.
SOCKADDR = struct.Struct("=HHIII")

# uapi/linux/mcg.h
MCG_GENL_NAME = b"mcg"
MCG_GENL_VERSION = 1
MCG_CMD_GROUP_GET = 4
MCG_A_GROUP_NAME = 2
MCG_A_GROUP_ID = 3
MCG_GROUP_NAME_MAX = 16

# linux/netlink.h, linux/genetlink.h
NETLINK_GENERIC = 16
SOL_NETLINK = 270
NETLINK_CAP_ACK = 10
NETLINK_EXT_ACK = 11
NLMSG_ERROR = 2
NLMSG_DONE = 3
NLM_F_REQUEST = 0x1
NLM_F_ACK = 0x4
NLM_F_CAPPED = 0x100
NLM_F_ACK_TLVS = 0x200
NLMSGERR_ATTR_MSG = 1
NLA_TYPE_MASK = 0x3FFF
GENL_ID_CTRL = 0x10
CTRL_CMD_GETFAMILY = 3
CTRL_ATTR_FAMILY_ID = 1
CTRL_ATTR_FAMILY_NAME = 2

NLMSGHDR = struct.Struct("=IHHII")
GENLMSGHDR = struct.Struct("=BBH")
NLATTR = struct.Struct("=HH")

CLONE_NEWNET = 0x40000000

_libc = ctypes.CDLL(None, use_errno=True)
_libc.bind.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_uint32]
_libc.getsockname.argtypes = [ctypes.c_int, ctypes.c_void_p,
                              ctypes.POINTER(ctypes.c_uint32)]
_libc.recvmsg.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_int]
_libc.recvmsg.restype = ctypes.c_ssize_t
_libc.setns.argtypes = [ctypes.c_int, ctypes.c_int]


# ---------------------------------------------------------------- family

def parse_family(text, path=FAMILY_FILE):
    """The family number in the text of the family parameter's file."""
    try:
        fam = int(text.strip(), 10)
    except ValueError:
        fam = -1
    if not 0 < fam < 65536:
        raise OSError(errno.EINVAL, "%s does not hold a family number: %r"
                      % (path, text))
    return fam


def family(path=FAMILY_FILE):
    """The address family number the loaded mcg module registered.

    The module parameter "family" may move it from 22 (AF_MCG_DEFAULT),
    so it is read from sysfs, never assumed.  OSError EAFNOSUPPORT when
    the module is not loaded.
    """
    try:
        with open(path) as f:
            text = f.read()
    except FileNotFoundError:
        raise OSError(errno.EAFNOSUPPORT,
                      "the mcg module is not loaded (no %s): "
                      "load it with 'modprobe mcg'" % path) from None
    return parse_family(text, path)


# --------------------------------------------------------------- sockaddr

def pack_sockaddr(fam, group, sender=0):
    """struct sockaddr_mcg for bind() or sendto()."""
    if not 0 < group < 1 << 32:
        raise ValueError("a group id is 1 to 4294967295, not %r" % (group,))
    return SOCKADDR.pack(fam, 0, group, sender, 0)


def unpack_sockaddr(raw, length):
    """(group, sender) from a sockaddr_mcg the kernel filled, or None for
    an address of length 0 (end of file)."""
    if length == 0:
        return None
    if length < SOCKADDR.size:
        raise OSError(errno.EINVAL, "short sockaddr_mcg (%d bytes)" % length)
    _, _, group, sender, _ = SOCKADDR.unpack_from(raw)
    return group, sender


# ---------------------------------------------------------------- errors

# What an errno means at bind(), said with the group it was for.
_BIND_HINTS = {
    errno.EADDRNOTAVAIL: "no group with id %d in this network namespace",
    errno.EACCES: "group %d's mode lets this user neither read nor write",
    errno.EAFNOSUPPORT: "group %d: the family number is not the module's",
    errno.EINVAL: "group %d: the socket is already bound",
}


def bind_error(err, group):
    """The OSError of a failed bind() to @group: the errno, its text and
    what it means for mcg."""
    hint = _BIND_HINTS.get(err)
    text = os.strerror(err)
    if hint:
        text = "%s (%s)" % (text, hint % group)
    return OSError(err, text)


def _oserror(err):
    # OSError(EAGAIN, ...) is a BlockingIOError, OSError(EINTR, ...) an
    # InterruptedError: the classes Python's socket module raises.
    return OSError(err, os.strerror(err))


# --------------------------------------------------------------- netns

@contextlib.contextmanager
def _in_netns(netns):
    """The calling thread inside network namespace @netns -- a name of
    "ip netns" (/run/netns/NAME), a path, or an open file descriptor --
    for the block: sockets belong to the namespace they were made in.
    """
    if netns is None:
        yield
        return
    if isinstance(netns, int):
        target = os.dup(netns)
    else:
        path = netns if "/" in netns else os.path.join("/run/netns", netns)
        target = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    home = os.open("/proc/thread-self/ns/net", os.O_RDONLY | os.O_CLOEXEC)
    try:
        if _libc.setns(target, CLONE_NEWNET) < 0:
            raise _oserror(ctypes.get_errno())
        try:
            yield
        finally:
            if _libc.setns(home, CLONE_NEWNET) < 0:
                raise _oserror(ctypes.get_errno())
    finally:
        os.close(target)
        os.close(home)


# --------------------------------------------------------------- netlink

def _align(n):
    return (n + 3) & ~3


def nla(kind, payload):
    """One netlink attribute, padded to 4 bytes."""
    raw = NLATTR.pack(NLATTR.size + len(payload), kind) + payload
    return raw + b"\0" * (_align(len(raw)) - len(raw))


def parse_attrs(data):
    """{type: payload} of the attributes in @data (nested and byte-order
    flags masked off); OSError EBADMSG if one runs past the end."""
    attrs = {}
    off = 0
    while off + NLATTR.size <= len(data):
        length, kind = NLATTR.unpack_from(data, off)
        if length < NLATTR.size or off + length > len(data):
            raise OSError(errno.EBADMSG, "malformed netlink attribute")
        attrs[kind & NLA_TYPE_MASK] = bytes(data[off + NLATTR.size:off + length])
        off += _align(length)
    return attrs


def genl_request(family_id, cmd, version, attrs, seq):
    """A generic netlink request asking for an acknowledgement."""
    payload = GENLMSGHDR.pack(cmd, version, 0) + attrs
    return NLMSGHDR.pack(NLMSGHDR.size + len(payload), family_id,
                         NLM_F_REQUEST | NLM_F_ACK, seq, 0) + payload


def parse_messages(data):
    """(type, flags, seq, payload) of each netlink message in @data."""
    off = 0
    while off + NLMSGHDR.size <= len(data):
        length, kind, flags, seq, _ = NLMSGHDR.unpack_from(data, off)
        if length < NLMSGHDR.size or off + length > len(data):
            raise OSError(errno.EBADMSG, "malformed netlink message")
        yield kind, flags, seq, data[off + NLMSGHDR.size:off + length]
        off += _align(length)


def parse_error(flags, payload):
    """(errno, extack message or None) of an NLMSG_ERROR's payload;
    errno 0 for an acknowledgement."""
    if len(payload) < 4 + NLMSGHDR.size:
        raise OSError(errno.EBADMSG, "short netlink error message")
    err = -struct.unpack_from("=i", payload)[0]
    msg = None
    if flags & NLM_F_ACK_TLVS:
        # The request is echoed whole unless capped: the TLVs follow it.
        off = 4 + NLMSGHDR.size
        if not flags & NLM_F_CAPPED:
            off = 4 + _align(NLMSGHDR.unpack_from(payload, 4)[0])
        text = parse_attrs(payload[off:]).get(NLMSGERR_ATTR_MSG)
        if text:
            msg = text.split(b"\0", 1)[0].decode(errors="replace")
    return err, msg


class _Genl:
    """One request at a time over a generic netlink socket."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW |
                                  socket.SOCK_CLOEXEC, NETLINK_GENERIC)
        try:
            self.sock.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
            self.sock.setsockopt(SOL_NETLINK, NETLINK_CAP_ACK, 1)
            self.sock.bind((0, 0))
        except BaseException:
            self.sock.close()
            raise
        self.seq = 0

    def close(self):
        self.sock.close()

    def request(self, family_id, cmd, version, attrs):
        """The attributes of each reply to one request; OSError with the
        kernel's errno and extack message if it fails."""
        self.seq += 1
        self.sock.send(genl_request(family_id, cmd, version, attrs, self.seq))
        replies = []
        while True:
            data = self.sock.recv(65536)
            for kind, flags, seq, payload in parse_messages(data):
                if seq != self.seq:
                    continue
                if kind == NLMSG_ERROR:
                    err, msg = parse_error(flags, payload)
                    if err:
                        raise OSError(err, msg or os.strerror(err))
                    return replies
                if kind == NLMSG_DONE:
                    return replies
                replies.append(parse_attrs(payload[GENLMSGHDR.size:]))

    def family_id(self, name):
        try:
            replies = self.request(GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1,
                                   nla(CTRL_ATTR_FAMILY_NAME, name + b"\0"))
        except OSError as e:
            if e.errno == errno.ENOENT:
                raise OSError(errno.ENOENT, "no generic netlink family "
                              "\"%s\": the mcg module is not loaded "
                              "(modprobe mcg)" % name.decode()) from None
            raise
        for attrs in replies:
            if CTRL_ATTR_FAMILY_ID in attrs:
                return struct.unpack("=H", attrs[CTRL_ATTR_FAMILY_ID][:2])[0]
        raise OSError(errno.EBADMSG, "nlctrl gave no family id")


def group_request(name):
    """The attributes of a GROUP_GET naming the group @name."""
    raw = name.encode() if isinstance(name, str) else bytes(name)
    if not raw or len(raw) >= MCG_GROUP_NAME_MAX or b"\0" in raw:
        raise ValueError("a group name is 1 to %d bytes, not %r"
                         % (MCG_GROUP_NAME_MAX - 1, name))
    return nla(MCG_A_GROUP_NAME, raw + b"\0")


def group_reply_id(replies):
    """The group id of a GROUP_GET's replies."""
    for attrs in replies:
        raw = attrs.get(MCG_A_GROUP_ID)
        if raw is not None and len(raw) >= 4:
            return struct.unpack("=I", raw[:4])[0]
    raise OSError(errno.EBADMSG, "the reply to GROUP_GET has no group id")


def group_id(name, netns=None):
    """The id of the group named @name, in network namespace @netns
    (a name of "ip netns", a path or a file descriptor; default: the
    caller's).  OSError ENOENT "no group with this name" when there is
    none: the kernel's own message."""
    attrs = group_request(name)
    with _in_netns(netns):
        nl = _Genl()
    try:
        fid = nl.family_id(MCG_GENL_NAME)
        return group_reply_id(nl.request(fid, MCG_CMD_GROUP_GET,
                                         MCG_GENL_VERSION, attrs))
    finally:
        nl.close()


# ---------------------------------------------------------------- socket

class _Iovec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]


class _Msghdr(ctypes.Structure):
    _fields_ = [("name", ctypes.c_void_p), ("namelen", ctypes.c_uint32),
                ("iov", ctypes.POINTER(_Iovec)), ("iovlen", ctypes.c_size_t),
                ("control", ctypes.c_void_p), ("controllen", ctypes.c_size_t),
                ("flags", ctypes.c_int)]


# struct cmsghdr: size_t cmsg_len; int cmsg_level; int cmsg_type.
_CMSGHDR = struct.Struct("@Nii")


def _cmsg_align(n):
    a = ctypes.sizeof(ctypes.c_size_t)
    return (n + a - 1) & ~(a - 1)


def parse_cmsgs(raw):
    """[(level, type, data)] of a control buffer, as socket.recvmsg()."""
    out = []
    off = 0
    while off + _CMSGHDR.size <= len(raw):
        length, level, kind = _CMSGHDR.unpack_from(raw, off)
        if length < _CMSGHDR.size or off + length > len(raw):
            break
        start = off + _cmsg_align(_CMSGHDR.size)
        out.append((level, kind, bytes(raw[start:off + length])))
        off += _cmsg_align(length)
    return out


class Socket:
    """An AF_MCG socket bound to one group.

    @group is the group's numeric id or its name (looked up with
    group_id()); @netns, the network namespace to open it in (as for
    group_id(); default: the caller's).  Blocking until setblocking(False)
    or settimeout().
    """

    def __init__(self, group, netns=None):
        fam = family()
        gid = group if isinstance(group, int) else group_id(group, netns)
        addr = pack_sockaddr(fam, gid)
        with _in_netns(netns):
            self._sock = socket.socket(fam, socket.SOCK_DGRAM |
                                       socket.SOCK_CLOEXEC, 0)
        if _libc.bind(self._sock.fileno(), addr, len(addr)) < 0:
            err = ctypes.get_errno()
            self._sock.close()
            raise bind_error(err, gid)
        self.family = fam
        self.group = gid

    def fileno(self):
        return self._sock.fileno()

    def close(self):
        self._sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        return "<mcg.Socket fd=%d group=%d>" % (self._sock.fileno(), self.group)

    def setblocking(self, flag):
        self._sock.setblocking(flag)

    def settimeout(self, value):
        self._sock.settimeout(value)

    def gettimeout(self):
        return self._sock.gettimeout()

    def setsockopt(self, *args):
        self._sock.setsockopt(*args)

    def getsockopt(self, *args):
        return self._sock.getsockopt(*args)

    def shutdown(self, how):
        self._sock.shutdown(how)

    def send(self, data, flags=0):
        """Send @data as one message to the group; its length.  The
        address is the socket's own: no sendto() is needed."""
        return self._sock.send(data, flags)

    def getsockname(self):
        """(group, sender): the group and this host's sender id in it."""
        raw = ctypes.create_string_buffer(SOCKADDR.size)
        length = ctypes.c_uint32(SOCKADDR.size)
        if _libc.getsockname(self._sock.fileno(), raw, ctypes.byref(length)) < 0:
            raise _oserror(ctypes.get_errno())
        return unpack_sockaddr(raw.raw, length.value)

    def recv(self, bufsize=MAX_MESSAGE, flags=0):
        """(sender, data): one message and the authenticated id of its
        sender; (None, b"") at end of file, after the group was deleted
        (whose first receive fails with ENODEV) or a shutdown."""
        data, _, _, addr = self.recvmsg(bufsize, 0, flags)
        return (addr[1] if addr else None), data

    def recvmsg(self, bufsize=MAX_MESSAGE, ancbufsize=0, flags=0):
        """(data, ancdata, msg_flags, address) as socket.recvmsg() gives
        them; address is (group, sender), or None at end of file."""
        buf = bytearray(max(bufsize, 1))
        ctl = bytearray(ancbufsize)
        name = ctypes.create_string_buffer(SOCKADDR.size)
        iov = _Iovec(ctypes.addressof((ctypes.c_char * len(buf))
                                      .from_buffer(buf)), bufsize)
        msg = _Msghdr(ctypes.cast(name, ctypes.c_void_p), SOCKADDR.size,
                      ctypes.pointer(iov), 1, None, 0, 0)
        if ancbufsize:
            msg.control = ctypes.addressof((ctypes.c_char * ancbufsize)
                                           .from_buffer(ctl))
            msg.controllen = ancbufsize
        n = self._call(lambda: _libc.recvmsg(self._sock.fileno(),
                                             ctypes.byref(msg), flags))
        got = min(n, bufsize)
        return (bytes(buf[:got]), parse_cmsgs(ctl[:msg.controllen]),
                msg.flags, unpack_sockaddr(name.raw, msg.namelen))

    def _call(self, fn):
        """fn() as the socket module makes a call: retried after a signal
        (PEP 475), within the timeout if there is one."""
        timeout = self._sock.gettimeout()
        if timeout:
            deadline = time.monotonic() + timeout
        while True:
            if timeout:
                # The socket module made the descriptor non-blocking.
                left = max(deadline - time.monotonic(), 0)
                if not select.select([self._sock], [], [], left)[0]:
                    raise TimeoutError("timed out")
            n = fn()
            if n >= 0:
                return n
            err = ctypes.get_errno()
            if err == errno.EAGAIN and timeout:
                continue  # another reader took it: wait again
            if err != errno.EINTR:
                raise _oserror(err)
