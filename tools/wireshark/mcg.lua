-- SPDX-License-Identifier: GPL-2.0
--
-- Wireshark and tshark dissectors for mcg: "mcg", the datagrams of the
-- kernel module (Documentation/wire-format.rst), on UDP port 6470, and
-- "mcgd", the key-management daemon's control datagrams on the next port
-- (Documentation/key-management.rst, "Messages").  The port is the
-- preference mcg.port; "Decode As" takes either on any other port.
-- Documentation/wireshark.rst lists the fields.
--
-- Everything past the header is sealed: a capture shows a BUNDLE's
-- ciphertext, never its records.  Expert infos say why a receiver drops a
-- datagram whose header alone condemns it, in the order the receiver
-- checks: the length first, then the header.

local DEFAULT_PORT = 6470	-- MCG_DEFAULT_PORT, uapi/linux/mcg.h
local HDR_LEN = 32		-- struct mcg_wire_hdr, kmod/wire.h
local TAG_LEN = 16
local MIN_LEN = HDR_LEN + TAG_LEN
-- The shortest datagram of a train: a header, one record's length, a tag.
local TRAIN_MIN = MIN_LEN + 2

local mcg = Proto("mcg", "mcg secure group messaging")

local hf = {
	version = ProtoField.uint8("mcg.version", "Version"),
	type = ProtoField.uint8("mcg.type", "Type", base.DEC,
				{ [1] = "DATA", [2] = "BUNDLE" }),
	reserved = ProtoField.uint16("mcg.reserved", "Reserved", base.HEX),
	group = ProtoField.uint32("mcg.group", "Group id"),
	sender = ProtoField.uint32("mcg.sender", "Sender id"),
	epoch = ProtoField.uint32("mcg.epoch", "Key epoch"),
	run = ProtoField.uint64("mcg.run", "Run"),
	seq = ProtoField.uint64("mcg.seq", "Sequence number"),
	len = ProtoField.uint32("mcg.len", "Datagram length"),
	ct_len = ProtoField.uint32("mcg.ct_len", "Ciphertext length"),
	ct = ProtoField.bytes("mcg.ct", "Ciphertext"),
	tag = ProtoField.bytes("mcg.tag", "Tag"),
	payload = ProtoField.bytes("mcg.payload", "Rest of a datagram of another version"),
	train = ProtoField.uint32("mcg.train", "Datagrams in this train"),
	train_len = ProtoField.uint32("mcg.train_len", "Train's datagram length (gso_size)"),
}
mcg.fields = hf

local ef = {
	short = ProtoExpert.new("mcg.short", "Shorter than a header and a tag",
				expert.group.MALFORMED, expert.severity.ERROR),
	version = ProtoExpert.new("mcg.bad_version", "Unknown version",
				  expert.group.PROTOCOL, expert.severity.ERROR),
	type = ProtoExpert.new("mcg.bad_type", "Unknown type",
			       expert.group.PROTOCOL, expert.severity.ERROR),
	reserved = ProtoExpert.new("mcg.bad_reserved", "Reserved bits set",
				   expert.group.PROTOCOL, expert.severity.ERROR),
	zero = ProtoExpert.new("mcg.zero", "A header field that is never 0 is 0",
			       expert.group.PROTOCOL, expert.severity.ERROR),
	bundle = ProtoExpert.new("mcg.bad_bundle", "A BUNDLE with no whole record",
				 expert.group.MALFORMED, expert.severity.ERROR),
}
mcg.experts = ef

-- The header's fields after version and type, in order, with their sizes.
local after_type = {
	{ hf.reserved, 2 }, { hf.group, 4 }, { hf.sender, 4 }, { hf.epoch, 4 },
	{ hf.run, 8 }, { hf.seq, 8 },
}
local nonzero = { [hf.group] = "Group id", [hf.sender] = "Sender id",
		  [hf.epoch] = "Epoch", [hf.run] = "Run", [hf.seq] = "Sequence number" }

-- Whether a field of 4 or 8 bytes is 0 (no other 64-bit value becomes 0).
local function is_zero(r)
	return r:uint64():tonumber() == 0
end

-- The captured part of the n bytes at o, or nil if none was: a capture
-- may keep only the start of each packet (tcpdump -s).
local function captured(tvb, o, n)
	local m = math.min(n, tvb:len() - o)
	return m > 0 and tvb(o, m) or nil
end

-- The datagram at [off, off + len) of tvb, under tree: its subtree, and a
-- summary for the Info column.
local function datagram(tvb, off, len, tree, label)
	local whole = captured(tvb, off, len)
	local t = whole and tree:add(mcg, whole, label) or tree:add(mcg, label)
	t:add(hf.len, len):set_generated()
	-- Header fields are read only where captured whole.
	local have = math.min(len, tvb:len() - off)

	if len < MIN_LEN or have < HDR_LEN then
		local o = 2
		if len < MIN_LEN then
			-- The receiver looks no further; what fits is shown, unchecked.
			t:add_proto_expert_info(ef.short, string.format(
				"%d bytes, shorter than the 48 of a header and a tag: dropped as RX_DROP_SHORT", len))
		else
			t:add(string.format("[Header not captured: only %d of its bytes]", have))
		end
		if have >= 1 then t:add(hf.version, tvb(off, 1)) end
		if have >= 2 then t:add(hf.type, tvb(off + 1, 1)) end
		for _, f in ipairs(after_type) do
			if o + f[2] > have then break end
			t:add(f[1], tvb(off + o, f[2]))
			o = o + f[2]
		end
		if len >= MIN_LEN then
			t:append_text(": header not captured")
			return "header not captured"
		end
		t:append_text(string.format(": short (%d bytes)", len))
		return string.format("short datagram (%d bytes)", len)
	end

	local version = tvb(off, 1):uint()
	local vi = t:add(hf.version, tvb(off, 1))
	if version ~= 1 then
		-- Another version's layout is unknown: nothing more is decoded.
		vi:add_proto_expert_info(ef.version, string.format(
			"Version %d, not 1: dropped as RX_DROP_HEADER", version))
		local rest = captured(tvb, off + 1, len - 1)
		if rest then t:add(hf.payload, rest) end
		t:append_text(string.format(": unknown version %d", version))
		return string.format("unknown version %d", version)
	end

	local type = tvb(off + 1, 1):uint()
	local ti = t:add(hf.type, tvb(off + 1, 1))
	local bad = nil
	if type ~= 1 and type ~= 2 then
		ti:add_proto_expert_info(ef.type, string.format(
			"Type %d, not 1 (DATA) or 2 (BUNDLE): dropped as RX_DROP_HEADER", type))
		bad = "unknown type " .. type
	end
	local o = 2
	for _, f in ipairs(after_type) do
		local r = tvb(off + o, f[2])
		local item = t:add(f[1], r)
		if f[1] == hf.reserved and r:uint() ~= 0 then
			item:add_proto_expert_info(ef.reserved, string.format(
				"Reserved 0x%04x, not 0: dropped as RX_DROP_HEADER", r:uint()))
			bad = bad or "reserved bits set"
		elseif nonzero[f[1]] and is_zero(r) then
			item:add_proto_expert_info(ef.zero, string.format(
				"%s 0: dropped as RX_DROP_HEADER", nonzero[f[1]]))
			bad = bad or nonzero[f[1]]:lower() .. " 0"
		end
		o = o + f[2]
	end
	local ct_len = len - MIN_LEN
	local cl = t:add(hf.ct_len, ct_len)
	cl:set_generated()
	-- The ciphertext is as long as the plaintext, whose records a
	-- BUNDLE's must fill: at least one record, its length 2 bytes.
	if type == 2 and ct_len < 2 then
		cl:add_proto_expert_info(ef.bundle, string.format(
			"A BUNDLE of %s of plaintext holds no record: dropped as RX_DROP_HEADER once its tag verified",
			ct_len == 1 and "1 byte" or "0 bytes"))
		bad = bad or "no record"
	end
	local ct = captured(tvb, off + HDR_LEN, ct_len)
	if ct then t:add(hf.ct, ct) end
	if have == len then
		t:add(hf.tag, tvb(off + HDR_LEN + ct_len, TAG_LEN))
	else
		t:add(string.format("[Only %d of the datagram's %d bytes captured]", have, len))
	end

	local s = string.format("%s group %u sender %u epoch %u run %s seq %s len %u",
		type == 1 and "DATA" or type == 2 and "BUNDLE" or "type " .. type,
		tvb(off + 4, 4):uint(), tvb(off + 8, 4):uint(), tvb(off + 12, 4):uint(),
		tostring(tvb(off + 16, 8):uint64()), tostring(tvb(off + 24, 8):uint64()),
		ct_len)
	s = bad and s .. " [" .. bad .. "]" or s
	t:append_text(": " .. s)
	return s
end

-- A train as a capture on its sender shows it (wire-format.rst, "Trains"):
-- datagrams of L bytes but the last (at least TRAIN_MIN, at most L), every
-- one a BUNDLE of the same group, sender, epoch and run, their sequence
-- numbers counting up by one.  The first L at which that holds all the way
-- is the train's.  Returns L and the number of datagrams, or nil.
local function find_train(tvb, len)
	if tvb(0, 1):uint() ~= 1 or tvb(1, 1):uint() ~= 2 or len < 2 * TRAIN_MIN then
		return nil
	end
	local bytes = tvb:raw(0, len)
	-- Version, type, reserved, group, sender, epoch and run: all the same.
	local same = bytes:sub(1, 24)
	local seq = tvb(24, 8):uint64()
	local from = TRAIN_MIN + 1
	while true do
		local at = bytes:find(same, from, true)
		if not at or at - 1 + TRAIN_MIN > len then return nil end
		local l, n, o = at - 1, 1, at - 1
		while o < len do
			if len - o < TRAIN_MIN or bytes:sub(o + 1, o + 24) ~= same or
			   tvb(o + 24, 8):uint64() ~= seq + n then
				break
			end
			n, o = n + 1, o + l
		end
		if o >= len then return l, n end
		from = at + 1
	end
end

function mcg.dissector(tvb, pinfo, tree)
	local len = tvb:reported_length_remaining()
	pinfo.cols.protocol = "MCG"
	local l, n
	if len == tvb:len() and len >= MIN_LEN then l, n = find_train(tvb, len) end
	if not l then
		pinfo.cols.info = datagram(tvb, 0, len, tree, "mcg datagram")
		return len
	end
	local t = tree:add(mcg, tvb(), string.format("mcg train: %d datagrams of %d bytes", n, l))
	t:add(hf.train, n):set_generated()
	t:add(hf.train_len, l):set_generated()
	local first
	for i = 0, n - 1 do
		local s = datagram(tvb, i * l, math.min(l, len - i * l), t,
				   string.format("mcg datagram %d of the train", i + 1))
		first = first or s
	end
	pinfo.cols.info = string.format("train of %d: %s ...", n, first)
	return len
end

-- mcgd's control datagrams: a 40-byte header, a body, an Ed25519 signature
-- (tools/mcgd/proto.h).  Bodies are not decoded: KEK and REKEY bodies are
-- sealed, and the signature cannot be checked without the roster.
local MSG_HDR = 40
local MSG_SIG = 64
local MSG_MAX = 1232

local mcgd = Proto("mcgd", "mcgd key-management control")

local cf = {
	magic = ProtoField.string("mcgd.magic", "Magic"),
	version = ProtoField.uint8("mcgd.version", "Version"),
	type = ProtoField.uint8("mcgd.type", "Type", base.DEC, {
		[1] = "HELLO", [2] = "ROSTER", [3] = "KEK", [4] = "REKEY", [5] = "SYNC" }),
	group = ProtoField.uint32("mcgd.group", "Group id"),
	sender = ProtoField.uint32("mcgd.sender", "Sender id (the signer)"),
	incarnation = ProtoField.uint64("mcgd.incarnation", "Incarnation", base.HEX),
	counter = ProtoField.uint64("mcgd.counter", "Counter (signer's clock, ms)"),
	time = ProtoField.absolute_time("mcgd.time", "Counter as a time", base.UTC),
	roster_version = ProtoField.uint64("mcgd.roster_version", "Roster version"),
	frag = ProtoField.uint8("mcgd.frag", "Fragment"),
	nfrags = ProtoField.uint8("mcgd.nfrags", "Fragments"),
	body_len = ProtoField.uint16("mcgd.body_len", "Body length"),
	body = ProtoField.bytes("mcgd.body", "Body"),
	signature = ProtoField.bytes("mcgd.signature", "Ed25519 signature"),
}
mcgd.fields = cf

local cef = {
	short = ProtoExpert.new("mcgd.short", "Shorter than a header and a signature",
				expert.group.MALFORMED, expert.severity.ERROR),
	magic = ProtoExpert.new("mcgd.bad_magic", "Not an mcgd datagram",
				expert.group.PROTOCOL, expert.severity.ERROR),
	version = ProtoExpert.new("mcgd.bad_version", "Unknown version",
				  expert.group.PROTOCOL, expert.severity.ERROR),
	type = ProtoExpert.new("mcgd.bad_type", "Unknown type",
			       expert.group.PROTOCOL, expert.severity.ERROR),
	length = ProtoExpert.new("mcgd.bad_length", "Body length other than what arrived",
				 expert.group.MALFORMED, expert.severity.ERROR),
	frag = ProtoExpert.new("mcgd.bad_frag", "Impossible fragment numbers",
			       expert.group.PROTOCOL, expert.severity.ERROR),
}
mcgd.experts = cef

local ctl_fields = {
	{ cf.magic, 0, 2 }, { cf.version, 2, 1 }, { cf.type, 3, 1 },
	{ cf.group, 4, 4 }, { cf.sender, 8, 4 }, { cf.incarnation, 12, 8 },
	{ cf.counter, 20, 8 }, { cf.roster_version, 28, 8 }, { cf.frag, 36, 1 },
	{ cf.nfrags, 37, 1 }, { cf.body_len, 38, 2 },
}

-- In the order of mcgd's own checks (mcg_msg_open): the first that fails
-- is the counter mcgd raises; later ones are not looked at.
function mcgd.dissector(tvb, pinfo, tree)
	local len = tvb:reported_length_remaining()
	pinfo.cols.protocol = "MCGD"
	local have = tvb:len()
	local t = have > 0 and tree:add(mcgd, tvb()) or tree:add(mcgd)
	local items = {}
	for _, f in ipairs(ctl_fields) do
		if f[2] + f[3] > math.min(have, MSG_HDR) then break end
		items[f[1]] = t:add(f[1], tvb(f[2], f[3]))
	end
	if len < MSG_HDR + MSG_SIG then
		t:add_proto_expert_info(cef.short, string.format(
			"%d bytes, shorter than the 104 of a header and a signature: refused as short", len))
		pinfo.cols.info = string.format("short datagram (%d bytes)", len)
		return len
	end
	if have < MSG_HDR then
		t:add(string.format("[Header not captured: only %d of its bytes]", have))
		pinfo.cols.info = "header not captured"
		return len
	end
	if tvb(0, 2):string() ~= "MK" then
		items[cf.magic]:add_proto_expert_info(cef.magic, "Not \"MK\": refused as magic")
		pinfo.cols.info = "not an mcgd datagram"
		return len
	end
	local version = tvb(2, 1):uint()
	if version ~= 1 then
		items[cf.version]:add_proto_expert_info(cef.version, string.format(
			"Version %d, not 1: refused as version", version))
		pinfo.cols.info = string.format("unknown version %d", version)
		return len
	end
	local type = tvb(3, 1):uint()
	local names = { "HELLO", "ROSTER", "KEK", "REKEY", "SYNC" }
	local frag, nfrags = tvb(36, 1):uint(), tvb(37, 1):uint()
	local body_len = tvb(38, 2):uint()
	local info = string.format("%s group %u sender %u roster %s",
		names[type] or "type " .. type, tvb(4, 4):uint(), tvb(8, 4):uint(),
		tostring(tvb(28, 8):uint64()))
	if nfrags > 1 then info = info .. string.format(" fragment %u/%u", frag + 1, nfrags) end
	local ms = tvb(20, 8):uint64()
	items[cf.counter]:add(cf.time, NSTime((ms / 1000):tonumber(), (ms % 1000):tonumber() * 1000000)):set_generated()
	t:append_text(": " .. info)
	if not names[type] then
		items[cf.type]:add_proto_expert_info(cef.type, string.format(
			"Type %d, not 1 to 5: refused as type", type))
	elseif len > MSG_MAX or MSG_HDR + body_len + MSG_SIG ~= len then
		items[cf.body_len]:add_proto_expert_info(cef.length, string.format(
			"Body length %u, but %d bytes arrived (%d at most): refused as length",
			body_len, len - MSG_HDR - MSG_SIG, MSG_MAX - MSG_HDR - MSG_SIG))
	elseif nfrags == 0 or frag >= nfrags then
		items[cf.frag]:add_proto_expert_info(cef.frag, string.format(
			"Fragment %u of %u: refused as fragment", frag, nfrags))
	end
	local body = captured(tvb, MSG_HDR, len - MSG_HDR - MSG_SIG)
	if body then t:add(cf.body, body) end
	if have == len then
		t:add(cf.signature, tvb(len - MSG_SIG, MSG_SIG))
	else
		t:add(string.format("[Only %d of the datagram's %d bytes captured]", have, len))
	end
	pinfo.cols.info = info
	return len
end

-- Registration: mcg on the port of the preference, mcgd on the next one.
mcg.prefs.port = Pref.uint("UDP port", DEFAULT_PORT,
	"The UDP port of mcg's datagrams (6470 unless the group set another); " ..
	"mcgd's control datagrams are on the next port")

local udp_port = DissectorTable.get("udp.port")
local registered = nil

local function register(port)
	if registered then
		udp_port:remove(registered, mcg)
		udp_port:remove(registered + 1, mcgd)
	end
	registered = nil
	if port > 0 and port < 65535 then
		udp_port:add(port, mcg)
		udp_port:add(port + 1, mcgd)
		registered = port
	end
end

function mcg.prefs_changed()
	if mcg.prefs.port ~= registered then register(mcg.prefs.port) end
end

register(DEFAULT_PORT)
udp_port:add_for_decode_as(mcg)
udp_port:add_for_decode_as(mcgd)
