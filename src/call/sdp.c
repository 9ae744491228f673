/*
 * sdp.c — SDP offer/answer for a call leg, on libre's sdp module. Each leg
 * offers or answers with the media engine's port for that leg, so media is
 * always anchored through hotlined.
 */
#include <errno.h>
#include <string.h>
#include "../core/libre.h"
#include "sdp.h"
#include "../media/media.h"

static int add_codecs(struct sdp_media *m, const char *prefer)
{
	static const struct { const char *pt, *name; } codecs[] = {
		{"0", "PCMU"},
		{"8", "PCMA"},
	};
	int err = 0;

	for (size_t i = 0; !err && i < 2; i++) {
		bool first = prefer && !strcmp(prefer, codecs[i].name);

		err = sdp_format_add(NULL, m, first, codecs[i].pt,
				     codecs[i].name, 8000, 1, NULL, NULL, NULL,
				     false, NULL);
	}
	if (!err)
		err = sdp_format_add(NULL, m, false, "101", "telephone-event",
				     8000, 1, NULL, NULL, NULL, false, "0-16");
	return err;
}

int leg_sdp_init(struct leg_sdp *ls, const struct sa *laddr, uint16_t port,
		 const char *prefer)
{
	int err;

	memset(ls, 0, sizeof(*ls));
	err = sdp_session_alloc(&ls->sess, laddr);
	if (!err)
		err = sdp_media_add(&ls->audio, ls->sess, "audio", port,
				    "RTP/AVP");
	if (!err)
		err = sdp_media_set_lattr(ls->audio, true, "ptime", "20");
	if (!err)
		err = add_codecs(ls->audio, prefer);
	if (err)
		leg_sdp_reset(ls);
	return err;
}

void leg_sdp_reset(struct leg_sdp *ls)
{
	ls->sess = mem_deref(ls->sess);
	ls->audio = NULL;
}

int leg_sdp_decode(struct leg_sdp *ls, struct mbuf *mb, bool offer)
{
	size_t pos = mb->pos;
	int err = sdp_decode(ls->sess, mb, offer);

	mb->pos = pos;
	return err;
}

int leg_sdp_encode(struct leg_sdp *ls, struct mbuf **mbp, bool offer)
{
	return sdp_encode(mbp, ls->sess, offer);
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

static int find_dtmf_pt(const struct sdp_media *m)
{
	const struct list *fmts = sdp_media_format_lst(m, false);

	for (struct le *le = list_head(fmts); le; le = le->next) {
		const struct sdp_format *f = le->data;

		if (!strcasecmp(format_name(f), "telephone-event") &&
		    f->srate == 8000)
			return f->pt;
	}
	return -1;
}

int leg_sdp_remote(const struct leg_sdp *ls, struct sa *rtp,
		   struct media_format *fmt)
{
	const struct list *fmts = sdp_media_format_lst(ls->audio, false);
	const struct sa *raddr = sdp_media_raddr(ls->audio);
	const struct sdp_format *f = NULL;

	if (!raddr || !sa_isset(raddr, SA_ALL))
		return ENOENT;
	/* The far end's first choice among the codecs we both have. */
	for (struct le *le = list_head(fmts); le && !f; le = le->next) {
		const struct sdp_format *c = le->data;

		if (c->sup && strcasecmp(format_name(c), "telephone-event"))
			f = c;
	}
	if (!f)
		return ENOENT;
	*rtp = *raddr;
	memset(fmt, 0, sizeof(*fmt));
	fmt->pt = (uint8_t)f->pt;
	str_ncpy(fmt->name, format_name(f), sizeof(fmt->name));
	fmt->rate = f->srate ? f->srate : 8000;
	fmt->channels = f->ch ? f->ch : 1;
	fmt->ptime = 20;
	fmt->dtmf_pt = find_dtmf_pt(ls->audio);
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
