/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What differs between the kernels mcg supports (6.1 and 6.12), told apart
 * by what their headers have rather than by version numbers, so that a
 * distribution kernel carrying a backport takes the right branch.  The
 * rest of the module is written once.
 */
#ifndef _MCG_COMPAT_H
#define _MCG_COMPAT_H

/* 6.12 moved the unaligned accessors out of <asm/> (kmod/Kbuild looks). */
#ifdef MCG_HAVE_LINUX_UNALIGNED_H
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

/*
 * 6.3 hands a crypto request's completion its data pointer; before, it
 * handed it the crypto_async_request holding that pointer.  Callers write
 * both (one a one-line adapter) and this picks the one whose type is the
 * headers' crypto_completion_t; the other is dropped at compile time.
 */
#define MCG_CRYPTO_COMPLETION_GETS_DATA					\
	__builtin_types_compatible_p(crypto_completion_t, void (*)(void *, int))
#define mcg_crypto_completion(data_fn, req_fn)				\
	__builtin_choose_expr(MCG_CRYPTO_COMPLETION_GETS_DATA, data_fn, req_fn)

/*
 * 6.12 hands a UDP tunnel's ICMP error callback the error, port, info and
 * payload; 6.1, the UDP header's offset.  Likewise, callers write both.
 */
#define MCG_ENCAP_ERR_RCV_GETS_OFFSET					\
	__builtin_types_compatible_p(udp_tunnel_encap_err_rcv_t,	\
				     void (*)(struct sock *, struct sk_buff *, \
					      unsigned int))
#define mcg_encap_err_rcv(payload_fn, offset_fn)			\
	__builtin_choose_expr(MCG_ENCAP_ERR_RCV_GETS_OFFSET, offset_fn, payload_fn)

#endif /* _MCG_COMPAT_H */
