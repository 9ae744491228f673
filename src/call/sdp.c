/*
 * sdp.c — SDP offer/answer for a call leg, on libre's sdp module. Each leg
 * offers or answers with the media engine's port for that leg, so media is
 * always anchored through hotlined. A leg offers the codecs its extension
 * or trunk allows (by default all the media engine transcodes: PCMU, PCMA,
 * G722, opus, G729), so each leg gets its own far end's first choice
 * within that list and the engine bridges any pair.
 *
 * WebRTC legs (decision 56): a browser offers UDP/TLS/RTP/SAVPF, and we
 * offer it to devices registered over WebSocket. Our side is ICE-lite with
 * one host candidate (the media address and port), rtcp-mux, and DTLS
 * with the media engine's certificate fingerprint; we answer a=setup
 * passive (active when the far end is passive) and offer actpass. The far
 * end's c= address is not used: media goes where its ICE checks come from.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "../core/libre.h"
#include "sdp.h"
#include "../media/media.h"

/* What every leg offers, in this order unless a codec is preferred: the
   codecs the media engine transcodes between, then RFC 4733 events at both
   clocks (8000 for the 8 kHz-clocked codecs, 48000 for Opus). */
static const struct {
	const char *pt, *name;
	uint32_t srate;
	uint8_t ch;
	const char *fmtp;
} codecs[] = {
	{"0", "PCMU", 8000, 1, NULL},
	{"8", "PCMA", 8000, 1, NULL},
	{"9", "G722", 8000, 1, NULL},
	{"111", "opus", 48000, 2, "stereo=0;sprop-stereo=0;useinbandfec=1"},
	{"18", "G729", 8000, 1, "annexb=no"},
};

#define NCODECS (sizeof(codecs) / sizeof(codecs[0]))

static int add_codec(struct sdp_media *m, size_t i, bool first)
{
	if (!media_codec_supported(codecs[i].name, codecs[i].srate))
		return 0;
	if (codecs[i].fmtp)
		return sdp_format_add(NULL, m, first, codecs[i].pt,
				      codecs[i].name, codecs[i].srate,
				      codecs[i].ch, NULL, NULL, NULL, false,
				      "%s", codecs[i].fmtp);
	return sdp_format_add(NULL, m, first, codecs[i].pt, codecs[i].name,
			      codecs[i].srate, codecs[i].ch, NULL, NULL, NULL,
			      false, NULL);
}

static size_t codec_index(const char *name, size_t len)
{
	for (size_t i = 0; i < NCODECS; i++) {
		if (strlen(codecs[i].name) == len &&
		    !strncasecmp(codecs[i].name, name, len))
			return i;
	}
	return NCODECS;
}

/* The allowed codecs in their order (all when allow is empty), prefer
   moved to the front; ENOENT when none is known. */
static int add_codecs(struct sdp_media *m, const char *prefer,
		      const char *allow)
{
	bool added[NCODECS] = {false};
	unsigned n = 0;
	int err = 0;

	while (!err && allow && *allow) {
		size_t len = strcspn(allow, ","), i = codec_index(allow, len);

		if (i < NCODECS && !added[i] &&
		    media_codec_supported(codecs[i].name, codecs[i].srate)) {
			added[i] = true;
			n++;
			err = add_codec(m, i, prefer &&
				       !strcasecmp(prefer, codecs[i].name));
		}
		allow += len + (allow[len] == ',');
	}
	for (size_t i = 0; !err && !n && i < NCODECS; i++)
		err = add_codec(m, i, prefer &&
			       !strcasecmp(prefer, codecs[i].name));
	if (!err)
		err = sdp_format_add(NULL, m, false, "101", "telephone-event",
				     8000, 1, NULL, NULL, NULL, false, "0-16");
	if (!err)
		err = sdp_format_add(NULL, m, false, "110", "telephone-event",
				     48000, 1, NULL, NULL, NULL, false, "0-16");
	return err;
}

#define PROTO_PLAIN  "RTP/AVP"
#define PROTO_WEBRTC "UDP/TLS/RTP/SAVPF"

int leg_sdp_init(struct leg_sdp *ls, const struct sa *laddr, uint16_t port,
		 const char *prefer, const char *allow)
{
	return leg_sdp_init_proto(ls, laddr, port, prefer, allow, false);
}

int leg_sdp_init_proto(struct leg_sdp *ls, const struct sa *laddr,
		       uint16_t port, const char *prefer, const char *allow,
		       bool webrtc)
{
	int err;

	memset(ls, 0, sizeof(*ls));
	ls->laddr = mem_alloc(sizeof(*ls->laddr), NULL);
	if (!ls->laddr)
		return ENOMEM;
	*ls->laddr = *laddr;
	ls->port = port;
	err = sdp_session_alloc(&ls->sess, laddr);
	if (!err)
		err = sdp_media_add(&ls->audio, ls->sess, "audio", port,
				    webrtc ? PROTO_WEBRTC : PROTO_PLAIN);
	if (!err)
		err = sdp_media_set_alt_protos(ls->audio, 2, PROTO_PLAIN,
					       PROTO_WEBRTC);
	if (!err)
		err = sdp_media_set_lattr(ls->audio, true, "ptime", "20");
	if (!err)
		err = add_codecs(ls->audio, prefer, allow);
	if (err)
		leg_sdp_reset(ls);
	return err;
}

void leg_sdp_reset(struct leg_sdp *ls)
{
	ls->sess = mem_deref(ls->sess);
	ls->audio = NULL;
	ls->laddr = mem_deref(ls->laddr);
}

bool leg_sdp_is_webrtc(const struct leg_sdp *ls)
{
	const char *proto = ls->audio ? sdp_media_proto(ls->audio) : NULL;

	return proto && !strcmp(proto, PROTO_WEBRTC);
}

/* A remote attribute of the audio line, else of the session. */
static const char *rattr(const struct leg_sdp *ls, const char *name)
{
	const char *v = sdp_media_rattr(ls->audio, name);

	return v ? v : sdp_session_rattr(ls->sess, name);
}

static int set_local_attrs(struct leg_sdp *ls,
			   const struct media_webrtc_local *l,
			   const char *setup)
{
	const char *mid = sdp_media_rattr(ls->audio, "mid");
	int err;

	err = sdp_session_set_lattr(ls->sess, true, "ice-lite", NULL);
	if (!err)
		err = sdp_media_set_lattr(ls->audio, true, "mid", "%s",
					  mid ? mid : "0");
	if (!err)
		err = sdp_media_set_lattr(ls->audio, true, "ice-ufrag", "%s",
					  l->ufrag);
	if (!err)
		err = sdp_media_set_lattr(ls->audio, true, "ice-pwd", "%s",
					  l->pwd);
	if (!err)
		err = sdp_media_set_lattr(ls->audio, true, "fingerprint",
					  "%s", l->fingerprint);
	if (!err)
		err = sdp_media_set_lattr(ls->audio, true, "setup", "%s",
					  setup);
	if (!err)
		err = sdp_media_set_lattr(ls->audio, true, "rtcp-mux", NULL);
	if (!err)
		err = sdp_media_set_lattr(ls->audio, true, "candidate",
					  "1 1 UDP 2130706431 %j %u typ host",
					  ls->laddr, ls->port);
	if (!err)
		err = sdp_media_set_lattr(ls->audio, true,
					  "end-of-candidates", NULL);
	ls->webrtc_attrs = !err;
	return err;
}

int leg_sdp_webrtc(struct leg_sdp *ls, struct media_endpoint *ep,
		   bool remote)
{
	struct media_webrtc_local l;
	const char *fp, *setup;
	bool client;
	int err;

	if (!leg_sdp_is_webrtc(ls))
		return 0;
	if (!remote) {
		err = media_webrtc_enable(ep, &l);
		return err ? err : set_local_attrs(ls, &l, "actpass");
	}
	fp = rattr(ls, "fingerprint");
	setup = rattr(ls, "setup");
	if (!fp || strncasecmp(fp, "sha-256 ", 8))
		return EPROTO;
	client = setup && !strcasecmp(setup, "passive");
	ls->dtls_active = client;
	err = media_webrtc_enable(ep, &l);
	if (!err)
		err = set_local_attrs(ls, &l, client ? "active" : "passive");
	if (!err)
		err = media_webrtc_remote(ep, fp, client);
	return err;
}

int leg_sdp_decode(struct leg_sdp *ls, struct mbuf *mb, bool offer)
{
	size_t pos = mb->pos;
	int err = sdp_decode(ls->sess, mb, offer);

	mb->pos = pos;
	return err;
}

/* A WebRTC offer says actpass, new or not (RFC 8842 5.5: the answer keeps
   or changes the roles); an answer, the role we took. */
int leg_sdp_encode(struct leg_sdp *ls, struct mbuf **mbp, bool offer)
{
	int err = 0;

	if (ls->webrtc_attrs)
		err = sdp_media_set_lattr(ls->audio, true, "setup", "%s",
					  offer ? "actpass" : ls->dtls_active
					  ? "active" : "passive");
	return err ? err : sdp_encode(mbp, ls->sess, offer);
}

/* A format's encoding name; static payload types may come without an
   rtpmap line (RFC 3551), and libre leaves their name NULL. */
static const char *format_name(const struct sdp_format *f)
{
	if (f->name)
		return f->name;
	switch (f->pt) {
	case 0:  return "PCMU";
	case 8:  return "PCMA";
	case 9:  return "G722";
	case 18: return "G729";
	default: return "";
	}
}

/* The far end's telephone-event, at the audio codec's clock if it has
   one there (RFC 4733 wants them equal), else at any clock. */
static int find_dtmf_pt(const struct sdp_media *m, uint32_t clock,
			uint32_t *rate)
{
	const struct list *fmts = sdp_media_format_lst(m, false);
	const struct sdp_format *any = NULL;

	for (struct le *le = list_head(fmts); le; le = le->next) {
		const struct sdp_format *f = le->data;

		if (strcasecmp(format_name(f), "telephone-event"))
			continue;
		if ((uint32_t)f->srate == clock) {
			*rate = clock;
			return f->pt;
		}
		if (!any && (f->srate == 8000 || f->srate == 48000))
			any = f;
	}
	if (!any)
		return -1;
	*rate = (uint32_t)any->srate;
	return any->pt;
}

/* The far end's a=ptime, where sane, else 20 ms. */
static uint8_t remote_ptime(const struct sdp_media *m)
{
	const char *v = sdp_media_rattr(m, "ptime");
	long ms = v ? strtol(v, NULL, 10) : 0;

	return ms >= 10 && ms <= 120 ? (uint8_t)ms : 20;
}

int leg_sdp_remote(const struct leg_sdp *ls, struct sa *rtp,
		   struct media_format *fmt)
{
	const struct list *fmts = sdp_media_format_lst(ls->audio, false);
	const struct sa *raddr = sdp_media_raddr(ls->audio);
	const struct sdp_format *f = NULL;
	bool webrtc = leg_sdp_is_webrtc(ls);

	if (!webrtc && (!raddr || !sa_isset(raddr, SA_ALL)))
		return ENOENT;
	/* The far end's first choice among the codecs we both have. */
	for (struct le *le = list_head(fmts); le && !f; le = le->next) {
		const struct sdp_format *c = le->data;

		if (c->sup && strcasecmp(format_name(c), "telephone-event"))
			f = c;
	}
	if (!f)
		return ENOENT;
	if (webrtc)
		sa_init(rtp, AF_UNSPEC);        /* where ICE checks come from */
	else
		*rtp = *raddr;
	memset(fmt, 0, sizeof(*fmt));
	fmt->pt = (uint8_t)f->pt;
	str_ncpy(fmt->name, format_name(f), sizeof(fmt->name));
	fmt->rate = f->srate ? f->srate : 8000;
	fmt->channels = f->ch ? f->ch : 1;
	fmt->ptime = remote_ptime(ls->audio);
	fmt->dtmf_pt = find_dtmf_pt(ls->audio, fmt->rate, &fmt->dtmf_rate);
	return 0;
}

/* libre keeps the far end's direction from our side: its "sendonly"
   is stored as SDP_RECVONLY (we only receive). */
bool leg_sdp_remote_receives(const struct leg_sdp *ls)
{
	return (sdp_media_rdir(ls->audio) & SDP_SENDONLY) != 0;
}

bool leg_sdp_remote_sends(const struct leg_sdp *ls)
{
	return (sdp_media_rdir(ls->audio) & SDP_RECVONLY) != 0;
}

void leg_sdp_set_direction(struct leg_sdp *ls, bool send, bool recv)
{
	sdp_media_set_ldir(ls->audio, (enum sdp_dir)((send ? SDP_SENDONLY : 0) |
						     (recv ? SDP_RECVONLY : 0)));
}

bool leg_sdp_has_body(const struct mbuf *mb)
{
	return mb && mbuf_get_left(mb) > 0;
}
