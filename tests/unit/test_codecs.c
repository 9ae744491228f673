/*
 * test_codecs.c — the media engine's codecs, resampler and transcoder, the
 * SDP every leg offers, and a transcoded bridge with real UDP sockets on
 * 127.0.0.1.
 *
 * Audio quality is measured as SINAD: the best-fitting sine of the test
 * frequency (any phase and amplitude, so codec delay does not matter) is
 * the signal, whatever is left is noise and distortion.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <opus.h>

#include "core/libre.h"
#include "media/media.h"
#include "media/codec.h"
#include "call/sdp.h"
#include "loop_env.h"

enum { PORT_LO = 41200, PORT_HI = 41299, AMP = 12000 };

static struct media_engine *engine;

/* ---- signal helpers ---------------------------------------------------- */

static void sine(int16_t *x, size_t n, double f, uint32_t rate, size_t from,
		 double amp)
{
	for (size_t i = 0; i < n; i++)
		x[i] = (int16_t)lrint(amp * sin(2 * M_PI * f *
						(double)(from + i) / rate));
}

struct fit {
	double amp;     /* of the fitted sine */
	double sinad;   /* dB */
};

/* Fits a*sin + b*cos + c at f over n samples (n: whole periods). */
static struct fit fit_sine(const int16_t *x, size_t n, double f,
			   uint32_t rate)
{
	double a = 0, b = 0, c = 0, noise = 0, w = 2 * M_PI * f / rate;
	struct fit r;

	for (size_t i = 0; i < n; i++) {
		a += x[i] * sin(w * i);
		b += x[i] * cos(w * i);
		c += x[i];
	}
	a *= 2.0 / n;
	b *= 2.0 / n;
	c /= n;
	for (size_t i = 0; i < n; i++) {
		double e = x[i] - (a * sin(w * i) + b * cos(w * i) + c);

		noise += e * e;
	}
	noise /= n;
	r.amp = sqrt(a * a + b * b);
	r.sinad = 10 * log10((r.amp * r.amp / 2) / (noise > 1e-9 ? noise :
						     1e-9));
	return r;
}

static double rms(const int16_t *x, size_t n)
{
	double s = 0;

	for (size_t i = 0; i < n; i++)
		s += (double)x[i] * x[i];
	return sqrt(s / (n ? n : 1));
}

/* ---- codecs: encode -> decode round trips ------------------------------ */

/* One second of 1 kHz through codec id in 20 ms packets; the SINAD of the
   decoded 200..800 ms. */
static struct fit roundtrip(enum codec_id id, double f)
{
	const struct codec_info *ci = codec_get(id);
	size_t frame = ci->srate / 50, total = ci->srate;
	int16_t *in = calloc(total, sizeof(*in));
	int16_t *out = calloc(total + 5760, sizeof(*out));
	struct codec_enc *e = NULL;
	struct codec_dec *d = NULL;
	size_t nout = 0;
	uint8_t pkt[1500];
	struct fit r;

	assert_non_null(in);
	assert_non_null(out);
	assert_int_equal(codec_enc_alloc(&e, id), 0);
	assert_int_equal(codec_dec_alloc(&d, id), 0);
	sine(in, total, f, ci->srate, 0, AMP);
	for (size_t i = 0; i + frame <= total; i += frame) {
		int len = codec_encode(e, in + i, frame, pkt, sizeof(pkt));
		int n;

		assert_true(len > 0);
		assert_int_equal(codec_payload_samples(id, pkt, (size_t)len),
				 frame);
		n = codec_decode(d, pkt, (size_t)len, out + nout, 5760);
		assert_int_equal(n, (int)frame);
		nout += (size_t)n;
	}
	assert_int_equal(nout, total);
	r = fit_sine(out + total / 5, total * 3 / 5, f, ci->srate);
	codec_enc_free(e);
	codec_dec_free(d);
	free(in);
	free(out);
	return r;
}

static void check_roundtrip(enum codec_id id, double min_sinad)
{
	struct fit r = roundtrip(id, 1000);

	print_message("  %-5s 1 kHz round trip: SINAD %.1f dB, gain %.2f\n",
		      codec_get(id)->name, r.sinad, r.amp / AMP);
	assert_true(r.sinad >= min_sinad);
	assert_true(r.amp > AMP * 0.7 && r.amp < AMP * 1.3);
}

static void test_pcmu(void **state)
{
	(void)state;
	check_roundtrip(CODEC_PCMU, 33);
}

static void test_pcma(void **state)
{
	(void)state;
	check_roundtrip(CODEC_PCMA, 33);
}

static void test_g722(void **state)
{
	(void)state;
	check_roundtrip(CODEC_G722, 30);
}

static void test_g729(void **state)
{
	(void)state;
	check_roundtrip(CODEC_G729, 22);
}

static void test_opus(void **state)
{
	(void)state;
	check_roundtrip(CODEC_OPUS, 30);
}

static void test_codec_table(void **state)
{
	(void)state;
	assert_int_equal(codec_find("pcmu", 8000)->id, CODEC_PCMU);
	assert_int_equal(codec_find("OPUS", 48000)->id, CODEC_OPUS);
	assert_int_equal(codec_find("G722", 0)->id, CODEC_G722);
	assert_null(codec_find("opus", 8000));
	assert_null(codec_find("GSM", 8000));
	assert_null(codec_find("telephone-event", 8000));
	assert_int_equal(codec_get(CODEC_G722)->clock, 8000);
	assert_int_equal(codec_get(CODEC_G722)->srate, 16000);
	assert_true(media_codec_supported("G729", 8000));
	assert_false(media_codec_supported("L16", 8000));
	/* G.729: two 10 ms frames, or one and a 2-byte SID */
	assert_int_equal(codec_payload_samples(CODEC_G729, NULL, 20), 160);
	assert_int_equal(codec_payload_samples(CODEC_G729, NULL, 12), 160);
}

/* ---- resampler --------------------------------------------------------- */

static void check_resample(uint32_t in_rate, uint32_t out_rate, double f,
			   size_t chunk_ms)
{
	struct resampler rs;
	size_t n_in = in_rate, n_out = 0;
	int16_t *in = calloc(n_in, sizeof(*in));
	int16_t *out = calloc(out_rate + 100, sizeof(*out));
	int16_t *tmp = calloc(n_in + RS_TAPS_MAX, sizeof(*tmp));
	size_t chunk = in_rate / 1000 * chunk_ms;
	struct fit r;

	assert_int_equal(resampler_init(&rs, in_rate, out_rate), 0);
	sine(in, n_in, f, in_rate, 0, AMP);
	for (size_t i = 0; i < n_in; i += chunk) {
		size_t k = i + chunk <= n_in ? chunk : n_in - i;

		n_out += resample(&rs, in + i, k, out + n_out,
				  out_rate + 100 - n_out, tmp);
	}
	/* exactly out_rate samples a second, whatever the chunks */
	assert_int_equal(n_out, out_rate);
	r = fit_sine(out + out_rate / 5, out_rate * 3 / 5, f, out_rate);
	print_message("  %5u -> %5u Hz, %.0f Hz in %zu ms chunks: SINAD "
		      "%.1f dB, gain %.3f\n", in_rate, out_rate, f, chunk_ms,
		      r.sinad, r.amp / AMP);
	assert_true(r.sinad >= 55);
	assert_true(fabs(r.amp / AMP - 1) < 0.02);
	free(in);
	free(out);
	free(tmp);
}

static void test_resampler(void **state)
{
	static const uint32_t rates[] = {8000, 16000, 48000};

	(void)state;
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 3; j++)
			check_resample(rates[i], rates[j], 1000,
				       i == j ? 20 : 7);
	/* 3 kHz, near the 8 kHz band edge, still passes */
	check_resample(48000, 8000, 3000, 20);
	check_resample(8000, 48000, 3000, 20);
	/* espeak-ng's 22050 Hz into 16 kHz prompts */
	check_resample(22050, 16000, 1000, 7);
	check_resample(22050, 16000, 6000, 20);
}

/* Tones above the lower rate's Nyquist frequency must not alias back. */
static void test_resampler_alias(void **state)
{
	static const double tones[] = {4600, 6000, 11000};
	struct resampler rs;
	int16_t in[4800], out[1000], tmp[4800 + RS_TAPS_MAX];
	size_t n;

	(void)state;
	for (int i = 0; i < 3; i++) {
		double level;

		assert_int_equal(resampler_init(&rs, 48000, 8000), 0);
		sine(in, 4800, tones[i], 48000, 0, AMP);
		n = resample(&rs, in, 4800, out, 1000, tmp);
		assert_int_equal(n, 800);
		level = rms(out + 200, 600) / (AMP / sqrt(2));
		print_message("  %.0f Hz at 48 -> 8 kHz: rms %.2f (input "
			      "%.0f)\n", tones[i], rms(out + 200, 600),
			      AMP / sqrt(2));
		assert_true(level < 0.01);      /* -40 dB */
	}
	assert_int_equal(resampler_init(&rs, 8000, 11025), ENOTSUP);
	assert_int_equal(resampler_init(&rs, 16000, 22050), ENOTSUP);
}

/* ---- transcoder -------------------------------------------------------- */

struct capture {
	uint8_t pkt[256][400];
	size_t len[256];
	unsigned n;
};

static void capture_h(const uint8_t *pkt, size_t len, void *arg)
{
	struct capture *c = arg;

	assert_true(len <= sizeof(c->pkt[0]));
	if (c->n < 256) {
		memcpy(c->pkt[c->n], pkt, len);
		c->len[c->n++] = len;
	}
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* Encodes `ms` of 1 kHz as `in` packets of in_ptime, transcodes them to
   `out` with out_ptime, skipping the packets whose index is in `drop`. */
static void run_xcoder(struct capture *cap, enum codec_id in,
		       enum codec_id out, unsigned in_ptime,
		       unsigned out_ptime, unsigned ms, int drop)
{
	const struct codec_info *ci = codec_get(in);
	struct xcode_scratch *s = malloc(sizeof(*s));
	size_t frame = ci->srate / 1000 * in_ptime;
	int16_t pcm[2880];
	uint8_t pay[1500];
	struct codec_enc *e = NULL;
	struct xcoder *x = NULL;

	assert_non_null(s);
	memset(cap, 0, sizeof(*cap));
	assert_int_equal(codec_enc_alloc(&e, in), 0);
	assert_int_equal(xcoder_alloc(&x, in, out, out_ptime), 0);
	assert_true(xcoder_matches(x, in, out, out_ptime));
	assert_false(xcoder_matches(x, out, in, out_ptime));
	for (unsigned k = 0; k < ms / in_ptime; k++) {
		uint32_t ts = 1000 + (uint32_t)(k * ci->clock / 1000 *
						in_ptime);
		int len;

		sine(pcm, frame, 1000, ci->srate, k * frame, AMP);
		len = codec_encode(e, pcm, frame, pay, sizeof(pay));
		assert_true(len > 0);
		if ((int)k == drop)
			continue;
		xcoder_audio(x, s, pay, (size_t)len, (uint16_t)(500 + k), ts,
			     k == 0, 96, capture_h, cap);
	}
	codec_enc_free(e);
	xcoder_free(x);
	free(s);
}

/* Decodes the captured packets of codec id; checks their RTP headers. */
static struct fit decode_capture(const struct capture *cap, enum codec_id id,
				 unsigned ptime)
{
	const struct codec_info *co = codec_get(id);
	uint32_t ticks = co->clock / 1000 * ptime;
	size_t total = (size_t)cap->n * co->srate / 1000 * ptime;
	int16_t *pcm = calloc(total + 5760, sizeof(*pcm));
	struct codec_dec *d = NULL;
	size_t n = 0;
	struct fit r;

	assert_non_null(pcm);
	assert_int_equal(codec_dec_alloc(&d, id), 0);
	for (unsigned i = 0; i < cap->n; i++) {
		const uint8_t *p = cap->pkt[i];
		int k;

		assert_int_equal(p[0], 0x80);
		assert_int_equal(p[1] & 0x7f, 96);
		assert_int_equal((p[1] & 0x80) != 0, i == 0);
		if (i) {
			const uint8_t *q = cap->pkt[i - 1];

			assert_int_equal((uint16_t)(get16(p + 2) -
						    get16(q + 2)), 1);
			assert_int_equal(get32(p + 4) - get32(q + 4), ticks);
			assert_int_equal(get32(p + 8), get32(q + 8));
		}
		k = codec_decode(d, p + 12, cap->len[i] - 12, pcm + n, 5760);
		assert_int_equal(k, (int)(co->srate / 1000 * ptime));
		n += (size_t)k;
	}
	codec_dec_free(d);
	r = fit_sine(pcm + n / 4, (n / 2) / (co->srate / 1000) *
		     (co->srate / 1000), 1000, co->srate);
	free(pcm);
	return r;
}

static void test_xcoder_pairs(void **state)
{
	(void)state;
	for (enum codec_id a = CODEC_PCMU; a < CODEC_COUNT; a++) {
		for (enum codec_id b = CODEC_PCMU; b < CODEC_COUNT; b++) {
			struct capture *cap = malloc(sizeof(*cap));
			struct fit r;

			assert_non_null(cap);
			if (a == b) {
				free(cap);
				continue;
			}
			run_xcoder(cap, a, b, 20, 20, 1000, -1);
			assert_int_equal(cap->n, 50);
			r = decode_capture(cap, b, 20);
			print_message("  %-5s -> %-5s: SINAD %.1f dB, gain "
				      "%.2f\n", codec_get(a)->name,
				      codec_get(b)->name, r.sinad,
				      r.amp / AMP);
			assert_true(r.sinad >= 18);
			assert_true(r.amp > AMP * 0.8 && r.amp < AMP * 1.2);
			free(cap);
		}
	}
}

/* 30 ms PCMU in, 20 ms G.722 out: samples wait for the next packet and
   the output timeline stays continuous. */
static void test_xcoder_ptime(void **state)
{
	struct capture *cap = malloc(sizeof(*cap));
	struct fit r;

	(void)state;
	assert_non_null(cap);
	run_xcoder(cap, CODEC_PCMU, CODEC_G722, 30, 20, 990, -1);
	assert_int_equal(cap->n, 990 / 20);
	r = decode_capture(cap, CODEC_G722, 20);
	assert_true(r.sinad >= 25);
	/* and Opus asked for 30 ms (not an Opus frame size) sends 20 */
	run_xcoder(cap, CODEC_G722, CODEC_OPUS, 20, 30, 600, -1);
	assert_int_equal(cap->n, 30);
	free(cap);
}

/* A lost Opus packet is concealed: the output has no gap, and the
   concealed 20 ms carry the tone on rather than silence. */
static void test_xcoder_opus_loss(void **state)
{
	struct capture *cap = malloc(sizeof(*cap));
	struct codec_dec *d = NULL;
	int16_t pcm[3][160];
	struct fit r;

	(void)state;
	assert_non_null(cap);
	run_xcoder(cap, CODEC_OPUS, CODEC_PCMU, 20, 20, 1000, 20);
	assert_int_equal(cap->n, 50);     /* 49 in, 50 out */
	r = decode_capture(cap, CODEC_PCMU, 20);
	assert_true(r.amp > AMP * 0.8);
	assert_int_equal(codec_dec_alloc(&d, CODEC_PCMU), 0);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(codec_decode(d, cap->pkt[19 + i] + 12,
					      cap->len[19 + i] - 12, pcm[i],
					      160), 160);
		print_message("  Opus packet 20 lost: output packet %d rms "
			      "%.0f\n", 19 + i, rms(pcm[i], 160));
		assert_true(rms(pcm[i], 160) > AMP / sqrt(2) / 4);
	}
	codec_dec_free(d);
	/* PCMU loses one: the output timeline keeps the gap */
	run_xcoder(cap, CODEC_PCMU, CODEC_OPUS, 20, 20, 200, 4);
	assert_int_equal(cap->n, 9);
	assert_int_equal(get32(cap->pkt[4] + 4) - get32(cap->pkt[3] + 4),
			 2 * 960);
	assert_true(cap->pkt[4][1] & 0x80);     /* marker after the jump */
	free(cap);
}

/* RFC 4733 into a transcoded stream: same SSRC and sequence space as the
   audio, timestamp mapped, duration from 8000 to 48000 Hz. */
static void test_xcoder_event(void **state)
{
	struct xcode_scratch *s = malloc(sizeof(*s));
	struct capture *cap = malloc(sizeof(*cap));
	struct codec_enc *e = NULL;
	struct xcoder *x = NULL;
	int16_t pcm[160] = {0};
	uint8_t pay[200], ev[16] = {0x80, 101, 0, 10, 0, 0, 0x0c, 0x80,
				    1, 2, 3, 4, 5, 0x8a, 0x01, 0x40};
	int len;

	(void)state;
	assert_non_null(s);
	assert_non_null(cap);
	memset(cap, 0, sizeof(*cap));
	assert_int_equal(codec_enc_alloc(&e, CODEC_PCMU), 0);
	assert_int_equal(xcoder_alloc(&x, CODEC_PCMU, CODEC_OPUS, 20), 0);
	len = codec_encode(e, pcm, 160, pay, sizeof(pay));
	/* audio at ts 2560 (seq 9), then the event starting at 3200 */
	xcoder_audio(x, s, pay, (size_t)len, 9, 2560, false, 111, capture_h,
		     cap);
	assert_int_equal(cap->n, 1);
	xcoder_event(x, ev, 12, 4, 3200, 110, 8000, 48000);
	assert_int_equal(ev[1], 110);
	assert_int_equal(get16(ev + 2), (uint16_t)(get16(cap->pkt[0] + 2) +
						   1));
	assert_int_equal(get32(ev + 4), get32(cap->pkt[0] + 4) + 640 * 6);
	assert_int_equal(get32(ev + 8), get32(cap->pkt[0] + 8));
	assert_int_equal(ev[12], 5);
	assert_int_equal(get16(ev + 14), 320 * 6);
	codec_enc_free(e);
	xcoder_free(x);
	free(s);
	free(cap);
}

/* ---- SDP --------------------------------------------------------------- */

static void test_sdp_offer(void **state)
{
	struct leg_sdp ls;
	struct mbuf *mb = NULL, *ans;
	struct sa laddr, rtp;
	struct media_format fmt;
	char *txt = NULL;

	(void)state;
	assert_int_equal(sa_set_str(&laddr, "127.0.0.1", 0), 0);
	assert_int_equal(leg_sdp_init(&ls, &laddr, 40000, "opus", NULL), 0);
	assert_int_equal(leg_sdp_encode(&ls, &mb, true), 0);
	mb->pos = 0;
	assert_int_equal(mbuf_strdup(mb, &txt, mbuf_get_left(mb)), 0);
	assert_non_null(strstr(txt, "m=audio 40000 RTP/AVP 111 0 8 9 18 "
				    "101 110\r\n"));
	assert_non_null(strstr(txt, "a=rtpmap:111 opus/48000/2\r\n"));
	assert_non_null(strstr(txt, "a=fmtp:111 stereo=0;sprop-stereo=0;"
				    "useinbandfec=1\r\n"));
	assert_non_null(strstr(txt, "a=rtpmap:9 G722/8000\r\n"));
	assert_non_null(strstr(txt, "a=rtpmap:110 telephone-event/48000\r\n"));
	txt = mem_deref(txt);
	mb = mem_deref(mb);

	/* The far end answers Opus (its own PT) and 48 kHz events */
	ans = mbuf_alloc(512);
	assert_int_equal(mbuf_printf(ans,
		"v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\n"
		"c=IN IP4 127.0.0.1\r\nt=0 0\r\n"
		"m=audio 30000 RTP/AVP 111 110\r\n"
		"a=rtpmap:111 opus/48000/2\r\n"
		"a=rtpmap:110 telephone-event/48000\r\n"
		"a=ptime:40\r\n"), 0);
	ans->pos = 0;
	assert_int_equal(leg_sdp_decode(&ls, ans, false), 0);
	assert_int_equal(leg_sdp_remote(&ls, &rtp, &fmt), 0);
	assert_string_equal(fmt.name, "opus");
	assert_int_equal(fmt.pt, 111);
	assert_int_equal(fmt.rate, 48000);
	assert_int_equal(fmt.ptime, 40);
	assert_int_equal(fmt.dtmf_pt, 110);
	assert_int_equal(fmt.dtmf_rate, 48000);
	assert_int_equal(sa_port(&rtp), 30000);
	mem_deref(ans);
	leg_sdp_reset(&ls);

	/* An offer of G.722 (static PT, no rtpmap) and 8 kHz events only */
	assert_int_equal(leg_sdp_init(&ls, &laddr, 40002, NULL, NULL), 0);
	ans = mbuf_alloc(512);
	assert_int_equal(mbuf_printf(ans,
		"v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\n"
		"c=IN IP4 127.0.0.1\r\nt=0 0\r\n"
		"m=audio 30002 RTP/AVP 9 0 101\r\n"
		"a=rtpmap:101 telephone-event/8000\r\n"), 0);
	ans->pos = 0;
	assert_int_equal(leg_sdp_decode(&ls, ans, true), 0);
	assert_int_equal(leg_sdp_remote(&ls, &rtp, &fmt), 0);
	assert_string_equal(fmt.name, "G722");
	assert_int_equal(fmt.rate, 8000);
	assert_int_equal(fmt.ptime, 20);
	assert_int_equal(fmt.dtmf_pt, 101);
	assert_int_equal(fmt.dtmf_rate, 8000);
	assert_int_equal(leg_sdp_encode(&ls, &mb, false), 0);
	mb->pos = 0;
	assert_int_equal(mbuf_strdup(mb, &txt, mbuf_get_left(mb)), 0);
	assert_non_null(strstr(txt, "m=audio 40002 RTP/AVP 9 0 101\r\n"));
	mem_deref(txt);
	mem_deref(mb);
	mem_deref(ans);
	leg_sdp_reset(&ls);
}

/* A leg offers only its extension's or trunk's codecs, in their order,
   the other leg's codec first when allowed; an offer with none of them
   leaves no usable format. */
static void test_sdp_allowed_codecs(void **state)
{
	struct leg_sdp ls;
	struct mbuf *mb = NULL, *offer;
	struct sa laddr, rtp;
	struct media_format fmt;
	char *txt = NULL;

	(void)state;
	assert_int_equal(sa_set_str(&laddr, "127.0.0.1", 0), 0);
	assert_int_equal(leg_sdp_init(&ls, &laddr, 40004, "G722",
				      "PCMA,bogus,G722,PCMA"), 0);
	assert_int_equal(leg_sdp_encode(&ls, &mb, true), 0);
	mb->pos = 0;
	assert_int_equal(mbuf_strdup(mb, &txt, mbuf_get_left(mb)), 0);
	assert_non_null(strstr(txt, "m=audio 40004 RTP/AVP 9 8 101 110\r\n"));
	txt = mem_deref(txt);
	mb = mem_deref(mb);
	leg_sdp_reset(&ls);

	/* PCMA only, and the far end offers PCMU only */
	assert_int_equal(leg_sdp_init(&ls, &laddr, 40006, NULL, "PCMA"), 0);
	offer = mbuf_alloc(512);
	assert_int_equal(mbuf_printf(offer,
		"v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\n"
		"c=IN IP4 127.0.0.1\r\nt=0 0\r\n"
		"m=audio 30006 RTP/AVP 0\r\n"), 0);
	offer->pos = 0;
	assert_int_equal(leg_sdp_decode(&ls, offer, true), 0);
	assert_int_not_equal(leg_sdp_remote(&ls, &rtp, &fmt), 0);
	mem_deref(offer);
	leg_sdp_reset(&ls);
}

/* ---- through the engine, with sockets ---------------------------------- */

static int test_socket(void)
{
	struct sockaddr_in in = {.sin_family = AF_INET};
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	assert_true(fd >= 0);
	in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&in, sizeof(in)), 0);
	return fd;
}

static uint16_t socket_port(int fd)
{
	struct sockaddr_in in;
	socklen_t len = sizeof(in);

	assert_int_equal(getsockname(fd, (struct sockaddr *)&in, &len), 0);
	return ntohs(in.sin_port);
}

static struct media_format format(const char *name, uint8_t pt,
				  uint32_t rate, int dtmf_pt)
{
	struct media_format f = {.pt = pt, .rate = rate, .channels = 1,
				 .ptime = 20, .dtmf_pt = dtmf_pt,
				 .dtmf_rate = rate};

	snprintf(f.name, sizeof(f.name), "%s", name);
	return f;
}

static void set_remote(struct media_endpoint *ep, int fd,
		       const struct media_format *fmt)
{
	struct sa sa;

	assert_int_equal(sa_set_str(&sa, "127.0.0.1", socket_port(fd)), 0);
	assert_int_equal(media_endpoint_set_remote(ep, &sa, fmt), 0);
}

static void send_to_port(int fd, uint16_t port, const uint8_t *p, size_t n)
{
	struct sockaddr_in in = {.sin_family = AF_INET,
				 .sin_port = htons(port)};

	in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(sendto(fd, p, n, 0, (struct sockaddr *)&in,
				sizeof(in)), (ssize_t)n);
}

static ssize_t recv_within(int fd, uint8_t *buf, size_t size, int ms)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};

	if (poll(&pfd, 1, ms) != 1)
		return -1;
	return recv(fd, buf, size, 0);
}

static size_t rtp_header(uint8_t *p, uint8_t pt, uint16_t seq, uint32_t ts)
{
	p[0] = 0x80;
	p[1] = pt;
	p[2] = (uint8_t)(seq >> 8);
	p[3] = (uint8_t)seq;
	p[4] = (uint8_t)(ts >> 24);
	p[5] = (uint8_t)(ts >> 16);
	p[6] = (uint8_t)(ts >> 8);
	p[7] = (uint8_t)ts;
	memcpy(p + 8, "\x12\x34\x56\x78", 4);
	return 12;
}

static int setup(void **state)
{
	struct media_config cfg = {.bind_ip = "127.0.0.1", .port_lo = PORT_LO,
				   .port_hi = PORT_HI, .threads = 2,
				   .timeout_s = 0};

	(void)state;
	return media_engine_start(&engine, &cfg);
}

static int teardown(void **state)
{
	(void)state;
	for (int i = 0; i < 200 && media_engine_endpoints(engine); i++)
		run_loop(10);
	media_engine_stop(engine);
	engine = NULL;
	return 0;
}

static int group_setup(void **state)
{
	(void)state;
	return libre_init();
}

static int group_teardown(void **state)
{
	(void)state;
	libre_close();
	return 0;
}

/* Every pair of the codecs the SDP offers bridges. */
static void test_bridge_pairs(void **state)
{
	static const struct { const char *name; uint8_t pt; uint32_t rate; }
	fm[] = {{"PCMU", 0, 8000}, {"PCMA", 8, 8000}, {"G722", 9, 8000},
		{"opus", 111, 48000}, {"G729", 18, 8000}};
	struct media_format gsm = format("GSM", 3, 8000, -1);
	struct media_format pcmu = format("PCMU", 0, 8000, -1);

	(void)state;
	for (size_t i = 0; i < 5; i++) {
		for (size_t j = 0; j < 5; j++) {
			struct media_format fa = format(fm[i].name, fm[i].pt,
							fm[i].rate, 101);
			struct media_format fb = format(fm[j].name, fm[j].pt,
							fm[j].rate, 101);
			struct media_endpoint *a = NULL, *b = NULL;

			assert_int_equal(media_endpoint_alloc(&a, engine, NULL,
							      NULL, NULL), 0);
			assert_int_equal(media_endpoint_alloc(&b, engine, a,
							      NULL, NULL), 0);
			assert_int_equal(media_endpoint_set_remote(a, NULL,
								   &fa), 0);
			assert_int_equal(media_endpoint_set_remote(b, NULL,
								   &fb), 0);
			assert_int_equal(media_bridge(a, b), 0);
			/* a re-INVITE to another known codec is fine */
			assert_int_equal(media_endpoint_set_remote(b, NULL,
								   &fa), 0);
			assert_int_equal(media_endpoint_set_remote(a, NULL,
								   &gsm),
					 ENOTSUP);
			media_endpoint_free(a);
			media_endpoint_free(b);
			/* their ports come back once their thread let go */
			for (int k = 0; k < 100 &&
			     media_engine_endpoints(engine); k++)
				run_loop(5);
		}
	}
	/* an unknown codec only bridges to itself */
	{
		struct media_endpoint *a = NULL, *b = NULL;

		assert_int_equal(media_endpoint_alloc(&a, engine, NULL, NULL,
						      NULL), 0);
		assert_int_equal(media_endpoint_alloc(&b, engine, a, NULL,
						      NULL), 0);
		assert_int_equal(media_endpoint_set_remote(a, NULL, &gsm), 0);
		assert_int_equal(media_endpoint_set_remote(b, NULL, &pcmu), 0);
		assert_int_equal(media_bridge(a, b), ENOTSUP);
		assert_int_equal(media_endpoint_set_remote(b, NULL, &gsm), 0);
		assert_int_equal(media_bridge(a, b), 0);
		media_endpoint_free(a);
		media_endpoint_free(b);
	}
}

static void wait_relaying(struct media_endpoint *a, struct media_endpoint *b)
{
	for (int i = 0; i < 500; i++) {
		if (media_endpoint_relaying(a) && media_endpoint_relaying(b))
			return;
		run_loop(10);
	}
	fail_msg("the bridge never took effect");
}

/* Sends `ms` of 1 kHz from fd to `to` as `fi` packets, receives what the
   other side gets as `fo` and returns the SINAD of the decoded audio. */
static struct fit stream(int fd, struct media_endpoint *to, int rx,
			 const struct media_format *fi,
			 const struct media_format *fo, unsigned ms)
{
	const struct codec_info *ci = codec_find(fi->name, fi->rate);
	const struct codec_info *co = codec_find(fo->name, fo->rate);
	size_t frame = ci->srate / 50, got = 0;
	size_t cap = (size_t)co->srate * (ms + 100) / 1000;
	int16_t pcm[960], *out = calloc(cap + 5760, sizeof(*out));
	struct codec_enc *e = NULL;
	struct codec_dec *d = NULL;
	uint8_t p[1500], r[1500];
	uint32_t last_ts = 0;
	unsigned nrx = 0;
	struct fit f;

	assert_non_null(out);
	assert_int_equal(codec_enc_alloc(&e, ci->id), 0);
	assert_int_equal(codec_dec_alloc(&d, co->id), 0);
	for (unsigned k = 0; k < ms / 20; k++) {
		size_t off = rtp_header(p, fi->pt, (uint16_t)(7 + k),
					k * ci->clock / 50);
		int len;
		ssize_t n;

		sine(pcm, frame, 1000, ci->srate, k * frame, AMP);
		len = codec_encode(e, pcm, frame, p + off, sizeof(p) - off);
		assert_true(len > 0);
		send_to_port(fd, media_endpoint_port(to), p,
			     off + (size_t)len);
		n = recv_within(rx, r, sizeof(r), 1000);
		assert_true(n > 12);
		assert_int_equal(r[1] & 0x7f, fo->pt);
		if (nrx++)
			assert_int_equal(get32(r + 4) - last_ts,
					 co->clock / 50);
		last_ts = get32(r + 4);
		len = codec_decode(d, r + 12, (size_t)n - 12, out + got, 5760);
		assert_int_equal(len, (int)(co->srate / 50));
		got += (size_t)len;
	}
	f = fit_sine(out + got / 4, got / 2 / (co->srate / 1000) *
		     (co->srate / 1000), 1000, co->srate);
	print_message("  %s -> %s through the engine: SINAD %.1f dB, gain "
		      "%.2f\n", fi->name, fo->name, f.sinad, f.amp / AMP);
	codec_enc_free(e);
	codec_dec_free(d);
	free(out);
	return f;
}

static void test_relay_transcoded(void **state)
{
	struct media_format pcmu = format("PCMU", 0, 8000, 101);
	struct media_format opus = format("opus", 111, 48000, 110);
	struct media_format g722 = format("G722", 9, 8000, 101);
	struct media_endpoint *a = NULL, *b = NULL;
	int ca = test_socket(), cb = test_socket();
	uint8_t ev[16] = {0x80, 101, 0, 99, 0, 0, 0x13, 0x88,
			  1, 2, 3, 4, 7, 0x8a, 0x03, 0x20};
	uint8_t r[1500];
	struct media_stats st;
	struct fit f;

	(void)state;
	assert_int_equal(media_endpoint_alloc(&a, engine, NULL, NULL, NULL),
			 0);
	assert_int_equal(media_endpoint_alloc(&b, engine, NULL, NULL, NULL),
			 0);
	set_remote(a, ca, &pcmu);
	set_remote(b, cb, &opus);
	assert_int_equal(media_bridge(a, b), 0);
	wait_relaying(a, b);

	/* PCMU in -> Opus out, and back */
	f = stream(ca, a, cb, &pcmu, &opus, 1000);
	assert_true(f.sinad >= 20);
	assert_true(f.amp > AMP * 0.8);
	f = stream(cb, b, ca, &opus, &pcmu, 1000);
	assert_true(f.sinad >= 20);
	assert_true(f.amp > AMP * 0.8);

	/* a DTMF event of a (8 kHz clock) reaches b at 48 kHz */
	send_to_port(ca, media_endpoint_port(a), ev, sizeof(ev));
	assert_int_equal(recv_within(cb, r, sizeof(r), 1000), 16);
	assert_int_equal(r[1] & 0x7f, 110);
	assert_int_equal(r[12], 7);
	assert_int_equal(get16(r + 14), 800 * 6);

	/* muxed RTCP is not forwarded into a transcoded stream */
	{
		uint8_t rr[8] = {0x80, 201, 0, 1, 1, 2, 3, 4};

		send_to_port(ca, media_endpoint_port(a), rr, sizeof(rr));
		assert_int_equal(recv_within(cb, r, sizeof(r), 100), -1);
	}

	/* b re-INVITEs to G.722: a's transcoder follows */
	set_remote(b, cb, &g722);
	run_loop(50);
	f = stream(ca, a, cb, &pcmu, &g722, 600);
	assert_true(f.sinad >= 30);
	run_loop(20);   /* counted just after sending */
	media_endpoint_stats(b, &st);
	assert_int_equal(st.tx_packets, 50 + 1 + 30);
	media_endpoint_free(a);
	media_endpoint_free(b);
	close(ca);
	close(cb);
}

/* CPU the media thread spends on one transcoded direction, PCMU -> Opus
   and Opus -> PCMU (printed, loosely bounded: ASan build). */
static void test_xcoder_cost(void **state)
{
	struct capture *cap = malloc(sizeof(*cap));
	struct timespec t0, t1;
	double us;

	(void)state;
	assert_non_null(cap);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
	run_xcoder(cap, CODEC_PCMU, CODEC_OPUS, 20, 20, 5000, -1);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
	us = (t1.tv_sec - t0.tv_sec) * 1e6 + (t1.tv_nsec - t0.tv_nsec) / 1e3;
	print_message("  5 s of PCMU -> Opus (with the test's own PCMU "
		      "encode): %.0f us CPU, %.2f%% of a core\n", us,
		      us / 5e6 * 100);
	free(cap);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_codec_table),
		cmocka_unit_test(test_pcmu),
		cmocka_unit_test(test_pcma),
		cmocka_unit_test(test_g722),
		cmocka_unit_test(test_g729),
		cmocka_unit_test(test_opus),
		cmocka_unit_test(test_resampler),
		cmocka_unit_test(test_resampler_alias),
		cmocka_unit_test(test_xcoder_pairs),
		cmocka_unit_test(test_xcoder_ptime),
		cmocka_unit_test(test_xcoder_opus_loss),
		cmocka_unit_test(test_xcoder_event),
		cmocka_unit_test(test_xcoder_cost),
		cmocka_unit_test(test_sdp_offer),
		cmocka_unit_test(test_sdp_allowed_codecs),
		cmocka_unit_test_setup_teardown(test_bridge_pairs, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_relay_transcoded, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
