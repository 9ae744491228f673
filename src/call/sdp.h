/*
 * sdp.h — one call leg's SDP offer/answer state (libre's sdp module), with
 * the formats Hotline relays: G.711 µ-law and A-law, G.722, Opus, G.729,
 * and RFC 4733 telephone-event at 8000 and 48000 Hz.
 */
#ifndef HOTLINE_CALL_SDP_H
#define HOTLINE_CALL_SDP_H

#include <stdbool.h>
#include <stdint.h>

struct sa;
struct mbuf;
struct sdp_session;
struct sdp_media;
struct media_format;
struct media_endpoint;

struct leg_sdp {
	struct sdp_session *sess;
	struct sdp_media *audio;
	struct sa *laddr;       /* our media address and port (candidate) */
	uint16_t port;
	bool webrtc_attrs;      /* our ICE-lite and DTLS attributes are set */
	bool dtls_active;       /* WebRTC: we are the DTLS client */
};

/* allow: the codecs this leg may use, comma-separated in preference
   order ("PCMA,PCMU"; NULL or "": every codec the engine has); prefer: one
   of them to list first (the other leg's, so no transcoding), or NULL. */
int  leg_sdp_init(struct leg_sdp *ls, const struct sa *laddr, uint16_t port,
		  const char *prefer, const char *allow);
/* The same; webrtc: our offer is a WebRTC one (UDP/TLS/RTP/SAVPF, for
   a device registered over WebSocket). Either kind answers both kinds of
   offer. */
int  leg_sdp_init_proto(struct leg_sdp *ls, const struct sa *laddr,
			uint16_t port, const char *prefer, const char *allow,
			bool webrtc);
void leg_sdp_reset(struct leg_sdp *ls);
/* Whether the leg's media is WebRTC: it offered UDP/TLS/RTP/SAVPF, or we
   did. */
bool leg_sdp_is_webrtc(const struct leg_sdp *ls);
/* For a WebRTC leg (nothing otherwise): makes ep a WebRTC endpoint and
   writes our ICE-lite and DTLS attributes; with remote (its SDP was
   read), gives ep the far end's fingerprint and takes the DTLS role its
   a=setup leaves us. EPROTO: its SDP has no sha-256 fingerprint. */
int  leg_sdp_webrtc(struct leg_sdp *ls, struct media_endpoint *ep,
		    bool remote);
/* Reads the far end's SDP (offer: it offered; else: it answered). */
int  leg_sdp_decode(struct leg_sdp *ls, struct mbuf *mb, bool offer);
/* Writes our SDP (offer or answer) into *mbp. */
int  leg_sdp_encode(struct leg_sdp *ls, struct mbuf **mbp, bool offer);
/* The far end's address and its chosen format; ENOENT when there is no
   common codec or no address. */
int  leg_sdp_remote(const struct leg_sdp *ls, struct sa *rtp,
		    struct media_format *fmt);
/* Whether the far end will receive from us (not sendonly/inactive). */
bool leg_sdp_remote_receives(const struct leg_sdp *ls);
/* Whether the far end sends to us (not recvonly/inactive). */
bool leg_sdp_remote_sends(const struct leg_sdp *ls);
/* Our direction in the next SDP we write. */
void leg_sdp_set_direction(struct leg_sdp *ls, bool send, bool recv);
bool leg_sdp_has_body(const struct mbuf *mb);

#endif
