/*
 * media.h — the RTP engine: media threads that own the RTP/RTCP sockets of
 * every call leg and relay audio between bridged legs.
 *
 * The control thread allocates an endpoint (its ports are known at once, for
 * the SDP), tells it the far end's address and format from the answer, and
 * bridges two endpoints. From then on packets flow on a media thread without
 * the control thread: same codec, a pass-through (no decode); G.711 µ-law to
 * A-law and back, transcoded through tables; any other pair of G.711, G.722,
 * G.729 and Opus, decoded, resampled and re-encoded (src/media/xcode.c).
 * Events (first packet, silence timeout, DTMF)
 * come back to the control thread through the handler given at alloc.
 *
 * All functions are called on the control thread.
 */
#ifndef HOTLINE_MEDIA_H
#define HOTLINE_MEDIA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sa;
struct media_engine;
struct media_endpoint;

/* What the far end sends and expects (from SDP). */
struct media_format {
	uint8_t pt;             /* RTP payload type, e.g. 0 */
	char name[16];          /* encoding name as in SDP: "PCMU", "PCMA",
				   "G722", "G729", "opus" */
	uint32_t rate;          /* RTP clock rate, e.g. 8000, 48000 (opus) */
	uint8_t channels;       /* 1 (opus: 2 in SDP, we send mono) */
	uint8_t ptime;          /* packet time in ms we send, e.g. 20 */
	int dtmf_pt;            /* telephone-event payload type, -1: none */
	uint32_t dtmf_rate;     /* telephone-event clock, 0: 8000 */
};

struct media_stats {
	uint64_t rx_packets, tx_packets;
	uint64_t rx_bytes, tx_bytes;
	uint64_t lost;          /* from sequence-number gaps */
	double jitter_ms;       /* RFC 3550 interarrival jitter */
	double rtt_ms;          /* from RTCP, 0 if unknown */
	/* What the far end's RTCP receiver reports say about what we send
	   it (tx_reported false: it sent none). */
	bool tx_reported;
	double tx_loss_pct, tx_jitter_ms;
	int64_t last_rx_ms;     /* wall clock of the last packet, 0: none */
};

enum media_event {
	MEDIA_FIRST_PACKET,     /* the first RTP packet arrived */
	MEDIA_TIMEOUT,          /* no RTP for the inactivity timeout */
	MEDIA_DTMF,             /* an RFC 4733 digit ended; see digit */
	MEDIA_PLAY_DONE,        /* what media_play() played has ended */
	MEDIA_SECURITY_FAILED,  /* WebRTC: DTLS failed or the far end's
				   certificate is not the one its SDP named */
};

typedef void (media_event_h)(struct media_endpoint *ep, enum media_event ev,
			     char digit, void *arg);

struct media_config {
	const char *bind_ip;    /* "127.0.0.1", or "0.0.0.0" */
	uint16_t port_lo;       /* even */
	uint16_t port_hi;
	unsigned threads;       /* 0: one per core */
	unsigned timeout_s;     /* RTP inactivity timeout, 0: none */
};

int  media_engine_start(struct media_engine **mep,
			const struct media_config *cfg);
void media_engine_stop(struct media_engine *me);
/* Endpoints holding a port: allocated and not yet released by their media
   thread (a freed endpoint's port returns to the pool a moment later). */
unsigned media_engine_endpoints(const struct media_engine *me);
/* Media threads started, and the CPU time they have used (ns). */
unsigned media_engine_threads(const struct media_engine *me);
uint64_t media_engine_cpu_ns(const struct media_engine *me);

/* An RTP (even port) + RTCP (port + 1) pair on one media thread. With near
   non-NULL the endpoint shares near's thread (legs of one call relay
   without crossing threads). */
int  media_endpoint_alloc(struct media_endpoint **epp, struct media_engine *me,
			  const struct media_endpoint *near,
			  media_event_h *eventh, void *arg);
/* Stops the endpoint, closes its sockets; safe on NULL. */
void media_endpoint_free(struct media_endpoint *ep);
uint16_t media_endpoint_port(const struct media_endpoint *ep);
/* Where to send, and in which format. Packets are accepted from any source
   and the endpoint latches to the address they really come from (NAT). */
int  media_endpoint_set_remote(struct media_endpoint *ep, const struct sa *rtp,
			       const struct media_format *fmt);
/* Stop sending (hold: sendonly/inactive from the far end), or resume. */
void media_endpoint_mute(struct media_endpoint *ep, bool muted);
void media_endpoint_stats(const struct media_endpoint *ep,
			  struct media_stats *st);

/* Estimated MOS (ITU-T G.107 E-model, src/media/mos.c) of what the far
   end sent, from its codec, loss and jitter (and RTT when known); 0 when
   nothing arrived or the codec is unknown. */
double media_mos(const struct media_format *fmt, const struct media_stats *st);
/* The same for what we send the far end, from its receiver reports. */
double media_tx_mos(const struct media_format *fmt,
		    const struct media_stats *st);

/* Whether the engine can transcode this codec (SDP name and clock rate, 0:
   any): PCMU, PCMA, G722/8000, G729/8000, opus/48000. */
bool media_codec_supported(const char *name, uint32_t rate);

/* Relays a <-> b. Both need a format; any two supported codecs are
   transcoded (same codec: pass-through); a mismatch with an unsupported
   codec returns ENOTSUP. */
int  media_bridge(struct media_endpoint *a, struct media_endpoint *b);
void media_unbridge(struct media_endpoint *a);
/* True once ep's media thread relays ep's packets to its bridge peer (a
   bridge takes effect a moment after media_bridge, when both endpoints are
   on one thread). */
bool media_endpoint_relaying(const struct media_endpoint *ep);

/* ---- audio the engine sends itself (src/media/player.c) ---- */

/* A sound: decoded once to 16 kHz mono, immutable, shared by reference
   (the references are thread-safe). */
struct media_sound;

/* Reads and decodes an audio file (WAV, MP3... anything libsndfile reads;
   mixed down and resampled). Blocking file I/O: never on the control
   thread. */
int  media_sound_load(struct media_sound **sp, const char *path);
int  media_sound_from_pcm(struct media_sound **sp, const int16_t *pcm,
			  size_t n);   /* 16 kHz mono samples, copied */
/* A call-progress tone of a country ("CN", "US"; others: China's), one
   period of it (loop it): name "dial", "ringback", "busy", "congestion",
   "call_waiting", "beep", "confirm". EINVAL for an unknown name. */
int  media_sound_tone(struct media_sound **sp, const char *country,
		      const char *name);
struct media_sound *media_sound_ref(struct media_sound *s);
void media_sound_unref(struct media_sound *s);      /* NULL: nothing */
unsigned media_sound_ms(const struct media_sound *s);
size_t media_sound_samples(const struct media_sound *s);   /* 16 kHz */
void media_sound_copy(const struct media_sound *s, int16_t *out, size_t n);

struct media_play {
	struct media_sound *sound;  /* referenced while it plays */
	unsigned loops;             /* times to play it; 0: until stopped */
	unsigned gap_ms;            /* silence after each time */
	bool wall_clock;            /* start where the wall clock says, so
				       every listener hears the same point
				       (music on hold) */
};

/* Plays to the endpoint's far end, in its codec, instead of what its
   bridge peer says (which goes on again when the play ends). A new play
   replaces the old; MEDIA_PLAY_DONE reports the end of the last one asked
   for (not of one stopped or replaced). */
int  media_play(struct media_endpoint *ep, const struct media_play *p);
void media_play_stop(struct media_endpoint *ep);
/* Records the call at this endpoint (src/media/recorder.h): left is what
   its far end sends (the customer), right what its bridge peer's far end
   sends, decoded to 8 kHz every 20 ms. Once per endpoint: EINVAL when it
   already has a recorder. The media thread calls recorder_detach() when
   the recording stops, the endpoint goes, or (if it never started) at
   release — exactly once. */
struct recorder;
int  media_record(struct media_endpoint *ep, struct recorder *rec);
void media_record_stop(struct media_endpoint *ep);
/* ---- conferences (src/media/conf.c) ---- */

/* N endpoints mixed on one media thread, each hearing everyone but itself
   (8 kHz mix). Conferences are pooled: release one when its last member
   has left. Joining unbridges the endpoint and moves it to the
   conference's thread; a member's player (a tone, a prompt) plays to it
   instead of the mix for the while. At most 64 members. */
struct media_conf;
int  media_conf_alloc(struct media_conf **cp, struct media_engine *me);
void media_conf_release(struct media_conf *c);
int  media_conf_join(struct media_conf *c, struct media_endpoint *ep);
void media_conf_leave(struct media_endpoint *ep);
/* A muted member hears the others; they do not hear it. */
void media_conf_mute(struct media_endpoint *ep, bool muted);
/* A whisper: only `to` (a member) hears ep; NULL: everyone again. */
void media_conf_whisper(struct media_endpoint *ep,
			const struct media_endpoint *to);

/* ---- WebRTC (src/media/webrtc.c) ---- */

enum { MEDIA_UFRAG_SIZE = 16, MEDIA_PWD_SIZE = 48, MEDIA_FP_SIZE = 128 };

/* What our SDP says for a WebRTC endpoint. */
struct media_webrtc_local {
	char ufrag[MEDIA_UFRAG_SIZE];   /* ICE credentials */
	char pwd[MEDIA_PWD_SIZE];
	char fingerprint[MEDIA_FP_SIZE];        /* "sha-256 AB:CD:..." */
};

/* Makes the endpoint a WebRTC one (ICE-lite, DTLS-SRTP, rtcp-mux) for
   good; again: the same credentials. */
int  media_webrtc_enable(struct media_endpoint *ep,
			 struct media_webrtc_local *local);
/* The far end's certificate fingerprint from its SDP, and whether we
   start the DTLS handshake (it answered a=setup:passive). */
int  media_webrtc_remote(struct media_endpoint *ep, const char *fingerprint,
			 bool dtls_client);
bool media_endpoint_is_webrtc(const struct media_endpoint *ep);

/* Echo test: what the far end sends comes straight back to it. */
void media_endpoint_echo(struct media_endpoint *ep, bool on);

#endif
