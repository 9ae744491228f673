/*
 * stack.h — the SIP stack: transports and the answers of last resort.
 * Modules add their own libre listeners (registrar, sessions) between
 * sip_stack_start() and sip_stack_finish().
 */
#ifndef HOTLINE_SIP_STACK_H
#define HOTLINE_SIP_STACK_H

struct sip;
struct sa;
struct sip_stack;

struct sip_stack_config {
	const char *udp_tcp;     /* "127.0.0.1:5060" */
	const char *tls;         /* "" or address */
	const char *tls_cert;
	const char *ws;          /* "" or address */
	const char *public_addr; /* "" or IP */
	const char *wss;         /* "" or address */
	const char *wss_cert;    /* PEM with key and cert for wss */
};

/* Frees what ws_compat.c keeps about SIP WebSocket connections (after
   the stack is closed). */
void sip_ws_compat_close(void);
int  sip_stack_start(struct sip_stack **ssp,
		     const struct sip_stack_config *cfg);
/* Installs the fallback listener; call after the other modules'. */
int  sip_stack_finish(struct sip_stack *ss);
struct sip *sip_stack_sip(const struct sip_stack *ss);
/* The DNS client (the system's servers), for other clients (HTTP). */
struct dnsc *sip_stack_dnsc(const struct sip_stack *ss);
/* The address to put in SDP (c=) and in Contact headers. */
const struct sa *sip_stack_media_addr(const struct sip_stack *ss);
const struct sa *sip_stack_contact_addr(const struct sip_stack *ss);
/* The --sip address: RTP sockets are bound on its IP. */
const struct sa *sip_stack_listen_addr(const struct sip_stack *ss);

#endif
