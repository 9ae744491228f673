/*
 * stack.c — the SIP stack: libre's transaction layer with its transports
 * (UDP and TCP on --sip, TLS on --sip-tls, WebSocket on --sip-ws and
 * --sip-wss), and the
 * last-resort answers for requests no module takes: OPTIONS gets 200 with
 * what we allow, methods we do not implement get 405 or 501.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "../core/libre.h"
#include "stack.h"
#include "validate.h"
#include "../core/log.h"

#define ALLOW "INVITE, ACK, BYE, CANCEL, OPTIONS, REGISTER, INFO, REFER, " \
	"NOTIFY, UPDATE, PRACK"

struct sip_stack {
	struct sip *sip;
	struct dnsc *dnsc;
	struct tls *tls;
	struct sip_lsnr *validator;
	struct sip_lsnr *fallback;
	struct sa media_addr;      /* advertised in SDP (public if set) */
	struct sa contact_addr;    /* advertised in Contact */
	struct sa listen_addr;     /* where our sockets are bound */
};

static void stack_destructor(void *arg)
{
	struct sip_stack *ss = arg;

	ss->fallback = mem_deref(ss->fallback);
	ss->validator = mem_deref(ss->validator);
	sip_close(ss->sip, true);
	ss->sip = mem_deref(ss->sip);
	ss->dnsc = mem_deref(ss->dnsc);
	ss->tls = mem_deref(ss->tls);
	sip_ws_compat_close();
}

static bool is_handled_elsewhere(const struct pl *met)
{
	static const char *const methods[] = {
		"INVITE", "ACK", "BYE", "CANCEL", "REGISTER", "INFO", "REFER",
		"NOTIFY", "UPDATE", "PRACK", NULL,
	};

	for (const char *const *m = methods; *m; m++) {
		if (!pl_strcmp(met, *m))
			return true;
	}
	return false;
}

/* Installed last: sees only what the registrar and the sessions left. */
static bool fallback_handler(const struct sip_msg *msg, void *arg)
{
	struct sip_stack *ss = arg;

	if (!pl_strcmp(&msg->met, "OPTIONS")) {
		sip_treplyf(NULL, NULL, ss->sip, msg, false, 200, "OK",
			    "Allow: " ALLOW "\r\n"
			    "Accept: application/sdp\r\n"
			    "Content-Length: 0\r\n\r\n");
		return true;
	}
	if (!pl_strcmp(&msg->met, "ACK"))
		return true;  /* a stray ACK has no answer */
	if (is_handled_elsewhere(&msg->met)) {
		/* In-dialog requests for dialogs we do not know. */
		sip_reply(ss->sip, msg, 481,
			  "Call/Transaction Does Not Exist");
		return true;
	}
	if (!pl_strcmp(&msg->met, "SUBSCRIBE") ||
	    !pl_strcmp(&msg->met, "PUBLISH") ||
	    !pl_strcmp(&msg->met, "MESSAGE")) {
		sip_treplyf(NULL, NULL, ss->sip, msg, false, 405,
			    "Method Not Allowed", "Allow: " ALLOW "\r\n"
			    "Content-Length: 0\r\n\r\n");
		return true;
	}
	sip_treplyf(NULL, NULL, ss->sip, msg, false, 501, "Not Implemented",
		    "Allow: " ALLOW "\r\nContent-Length: 0\r\n\r\n");
	return true;
}

static int parse_addr(struct sa *sa, const char *text, const char *what)
{
	int err = sa_decode(sa, text, strlen(text));

	if (err)
		log_error("sip", "bad %s address '%s' (want ADDR:PORT)", what,
			  text);
	return err;
}

static int add_transports(struct sip_stack *ss,
			  const struct sip_stack_config *cfg)
{
	struct sa laddr;
	int err;

	err = parse_addr(&laddr, cfg->udp_tcp, "--sip");
	if (!err)
		err = sip_transp_add(ss->sip, SIP_TRANSP_UDP, &laddr);
	if (!err)
		err = sip_transp_add(ss->sip, SIP_TRANSP_TCP, &laddr);
	if (err) {
		log_error("sip", "cannot listen on %s: %s", cfg->udp_tcp,
			  strerror(err));
		return err;
	}
	ss->media_addr = laddr;
	ss->contact_addr = laddr;
	ss->listen_addr = laddr;
	if (cfg->tls && *cfg->tls) {
		err = parse_addr(&laddr, cfg->tls, "--sip-tls");
		if (!err)
			err = tls_alloc(&ss->tls, TLS_METHOD_SSLV23,
					cfg->tls_cert, NULL);
		if (!err)
			err = sip_transp_add(ss->sip, SIP_TRANSP_TLS, &laddr,
					     ss->tls);
		if (err) {
			log_error("sip", "cannot start SIP over TLS on %s "
				  "(certificate %s): %s", cfg->tls,
				  cfg->tls_cert, strerror(err));
			return err;
		}
	}
	if (cfg->ws && *cfg->ws) {
		err = parse_addr(&laddr, cfg->ws, "--sip-ws");
		if (!err)
			err = sip_transp_add_websock(ss->sip, SIP_TRANSP_WS,
						     &laddr, true, NULL);
		if (err) {
			log_error("sip", "cannot start SIP over WebSocket on "
				  "%s: %s", cfg->ws, strerror(err));
			return err;
		}
	}
	if (cfg->wss && *cfg->wss) {
		err = parse_addr(&laddr, cfg->wss, "--sip-wss");
		if (!err)
			err = sip_transp_add_websock(ss->sip, SIP_TRANSP_WSS,
						     &laddr, true,
						     cfg->wss_cert);
		if (err) {
			log_error("sip", "cannot start SIP over secure "
				  "WebSocket on %s (certificate %s): %s",
				  cfg->wss, cfg->wss_cert, strerror(err));
			return err;
		}
	}
	return 0;
}

static int set_public_addr(struct sip_stack *ss, const char *public_addr)
{
	struct sa pub;

	if (!public_addr || !*public_addr)
		return 0;
	if (sa_set_str(&pub, public_addr, 0)) {
		log_error("sip", "bad --public-addr '%s' (want an IP address)",
			  public_addr);
		return EINVAL;
	}
	sa_set_port(&pub, sa_port(&ss->contact_addr));
	ss->media_addr = pub;
	ss->contact_addr = pub;
	return 0;
}

static int dns_client(struct dnsc **dnscp)
{
	struct sa servers[4];
	uint32_t n = 4;
	char domain[64] = "";

	if (dns_srv_get(domain, sizeof(domain), servers, &n) || !n) {
		sa_set_str(&servers[0], "127.0.0.1", 53);
		n = 1;
	}
	return dnsc_alloc(dnscp, NULL, servers, n);
}

int sip_stack_start(struct sip_stack **ssp, const struct sip_stack_config *cfg)
{
	struct sip_stack *ss = mem_zalloc(sizeof(*ss), stack_destructor);
	int err;

	if (!ss)
		return ENOMEM;
	err = dns_client(&ss->dnsc);
	if (!err)
		err = sip_alloc(&ss->sip, ss->dnsc, 32, 32, 32,
				"Hotline/" HOTLINE_VERSION, NULL, NULL);
	if (!err)
		err = sip_validator_install(&ss->validator, ss->sip);
	if (!err)
		err = add_transports(ss, cfg);
	if (!err)
		err = set_public_addr(ss, cfg->public_addr);
	if (err) {
		mem_deref(ss);
		return err;
	}
	log_info("sip", "SIP on %s (UDP, TCP)%s%s%s%s%s%s", cfg->udp_tcp,
		 cfg->tls && *cfg->tls ? ", TLS on " : "",
		 cfg->tls && *cfg->tls ? cfg->tls : "",
		 cfg->ws && *cfg->ws ? ", WebSocket on " : "",
		 cfg->ws && *cfg->ws ? cfg->ws : "",
		 cfg->wss && *cfg->wss ? ", secure WebSocket on " : "",
		 cfg->wss && *cfg->wss ? cfg->wss : "");
	*ssp = ss;
	return 0;
}

int sip_stack_finish(struct sip_stack *ss)
{
	return sip_listen(&ss->fallback, ss->sip, true, fallback_handler, ss);
}

struct sip *sip_stack_sip(const struct sip_stack *ss)
{
	return ss->sip;
}

struct dnsc *sip_stack_dnsc(const struct sip_stack *ss)
{
	return ss->dnsc;
}

const struct sa *sip_stack_media_addr(const struct sip_stack *ss)
{
	return &ss->media_addr;
}

const struct sa *sip_stack_listen_addr(const struct sip_stack *ss)
{
	return &ss->listen_addr;
}

const struct sa *sip_stack_contact_addr(const struct sip_stack *ss)
{
	return &ss->contact_addr;
}
