/*
 * validate.c — the first look at every SIP request, before any module:
 * requests that RFC 3261 says must be refused get their 4xx here
 * (missing To/From/Call-ID/CSeq or a bad CSeq, a Content-Length that is not
 * a number, NUL bytes in the headers: 400; a request URI scheme we cannot
 * serve: 416; a Require with an option tag we do not support (we support
 * "timer", RFC 4028): 420 listing them in Unsupported). An ACK
 * is never answered; a bad one is dropped.
 */
#include <string.h>
#include "../core/libre.h"
#include "validate.h"

struct verdict {
	uint16_t code;
	const char *reason;
	char unsupported[256];
};

/* Option tags a request may require of us. */
static bool tag_supported(const struct pl *tag)
{
	return !pl_strcasecmp(tag, "timer");
}

/* Collects the tags of one Require header we do not support. */
static bool collect_unsupported(const struct sip_hdr *hdr,
				const struct sip_msg *msg, void *arg)
{
	struct verdict *v = arg;
	struct pl rest = hdr->val, tag;
	size_t len;

	(void)msg;
	while (!re_regex(rest.p, rest.l, "[ \t\r\n]*[^ \t\r\n,]+[ \t\r\n]*[,]*",
			 NULL, &tag, NULL, NULL)) {
		if (!tag_supported(&tag)) {
			len = strlen(v->unsupported);
			re_snprintf(v->unsupported + len,
				    sizeof(v->unsupported) - len, "%s%r",
				    len ? ", " : "", &tag);
		}
		pl_advance(&rest, (size_t)(tag.p + tag.l - rest.p));
	}
	return false;
}

static bool requires_unsupported(const struct sip_msg *msg,
				 struct verdict *v)
{
	v->unsupported[0] = '\0';
	sip_msg_hdr_apply(msg, true, SIP_HDR_REQUIRE, collect_unsupported, v);
	return v->unsupported[0] != '\0';
}

static bool all_digits(const struct pl *pl)
{
	if (!pl->l)
		return false;
	for (size_t i = 0; i < pl->l; i++) {
		if (pl->p[i] < '0' || pl->p[i] > '9')
			return false;
	}
	return true;
}

/* The CSeq number must fit in 31 bits (RFC 3261 §8.1.1.5) and its method
   be the request's. libre has parsed both; only the number's size is
   checked on the raw text (which may be folded over lines). */
static bool cseq_ok(const struct sip_msg *msg)
{
	const struct sip_hdr *h = sip_msg_hdr(msg, SIP_HDR_CSEQ);
	size_t i = 0, start;

	if (!h || !pl_isset(&msg->cseq.met))
		return false;
	while (i < h->val.l && strchr(" \t\r\n", h->val.p[i]))
		i++;
	start = i;
	while (i < h->val.l && h->val.p[i] >= '0' && h->val.p[i] <= '9')
		i++;
	if (i == start)
		return false;
	while (start < i - 1 && h->val.p[start] == '0')
		start++;      /* leading zeros are allowed */
	if (i - start > 10 ||
	    (i - start == 10 && memcmp(h->val.p + start, "2147483647", 10) > 0))
		return false;
	return !pl_cmp(&msg->cseq.met, &msg->met);
}

/* Content-Length a number, and over UDP no larger than what arrived
   (RFC 3261 §18.3). */
static bool clen_ok(const struct sip_msg *msg)
{
	uint64_t clen;

	if (!pl_isset(&msg->clen))
		return true;
	if (!all_digits(&msg->clen) || msg->clen.l > 9)
		return false;
	clen = pl_u64(&msg->clen);
	return msg->tp != SIP_TRANSP_UDP || clen <= mbuf_get_left(msg->mb);
}

/* An unquoted display name is tokens and spaces only (RFC 3261 §25.1). */
static bool display_name_ok(const struct sip_hdr *h)
{
	static const char token[] = "abcdefghijklmnopqrstuvwxyz"
		"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.!%*_+`'~ \t\r\n";
	const char *lt = h ? memchr(h->val.p, '<', h->val.l) : NULL;
	size_t i = 0;

	if (!lt)
		return true;
	while (h->val.p + i < lt && strchr(" \t\r\n", h->val.p[i]))
		i++;
	if (h->val.p + i < lt && h->val.p[i] == '"')
		return true;
	for (; h->val.p + i < lt; i++) {
		if (!strchr(token, h->val.p[i]))
			return false;
	}
	return true;
}

/* From the request line: over WebSocket the buffer begins with the
   frame's header, whose masking key may hold a zero byte. */
static bool headers_have_nul(const struct sip_msg *msg)
{
	const uint8_t *buf = msg->mb->buf, *end = buf + msg->mb->end;
	const uint8_t *start = (const uint8_t *)msg->met.p;
	size_t len;

	if (!start || start < buf || start >= end)
		start = buf;
	len = (size_t)(end - start);

	for (size_t i = 0; i + 3 < len; i++) {
		if (!memcmp(start + i, "\r\n\r\n", 4))
			break;
		if (start[i] == '\0')
			return true;
	}
	return false;
}

static bool scheme_ok(const struct sip_msg *msg)
{
	return !pl_strcasecmp(&msg->uri.scheme, "sip") ||
	       !pl_strcasecmp(&msg->uri.scheme, "sips") ||
	       !pl_strcasecmp(&msg->uri.scheme, "tel");
}

static bool judge(const struct sip_msg *msg, struct verdict *v)
{
	if (!sip_msg_hdr(msg, SIP_HDR_TO) || !sip_msg_hdr(msg, SIP_HDR_FROM) ||
	    !pl_isset(&msg->callid) || !cseq_ok(msg))
		*v = (struct verdict){400, "Bad Request", ""};
	else if (!clen_ok(msg))
		*v = (struct verdict){400, "Bad Content-Length", ""};
	else if (!display_name_ok(sip_msg_hdr(msg, SIP_HDR_FROM)) ||
		 !display_name_ok(sip_msg_hdr(msg, SIP_HDR_TO)))
		*v = (struct verdict){400, "Bad Display Name", ""};
	else if (headers_have_nul(msg))
		*v = (struct verdict){400, "Bad Request", ""};
	else if (!scheme_ok(msg))
		*v = (struct verdict){416, "Unsupported URI Scheme", ""};
	else if (pl_strcmp(&msg->met, "CANCEL") &&
		 requires_unsupported(msg, v)) {
		v->code = 420;
		v->reason = "Bad Extension";
	}
	else
		return true;
	return false;
}

static bool request_handler(const struct sip_msg *msg, void *arg)
{
	struct sip *sip = arg;
	struct verdict v;

	if (judge(msg, &v))
		return false;       /* fine: on to the modules */
	if (!pl_strcmp(&msg->met, "ACK"))
		return true;        /* never answered */
	if (v.code == 420)
		sip_treplyf(NULL, NULL, sip, msg, false, v.code, v.reason,
			    "Unsupported: %s\r\nContent-Length: 0\r\n\r\n",
			    v.unsupported);
	else
		sip_treplyf(NULL, NULL, sip, msg, false, v.code, v.reason,
			    "Content-Length: 0\r\n\r\n");
	return true;
}

int sip_validator_install(struct sip_lsnr **lsnrp, struct sip *sip)
{
	return sip_listen(lsnrp, sip, true, request_handler, sip);
}
