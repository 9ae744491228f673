/*
 * tts_api.c — the tenant's text-to-speech settings (GET/PUT
 * /api/v1/tts/settings: voice and rate) and a preview (POST
 * /api/v1/tts/preview) answered with the rendered WAV file.
 *
 * A preview takes three steps: on a store reader the body is checked and
 * the tenant's voice and rate fill what it leaves out; on the control
 * thread the text goes to the TTS worker (src/media/tts.h) and the answer
 * is deferred; when the file is ready, a store reader reads it and its
 * bytes are the answer. Values that cannot be spoken (empty or too long
 * text, unknown voice, rate out of range) are 422 with the reason.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "api.h"
#include "server.h"
#include "tts_api.h"
#include "../core/log.h"
#include "../media/tts.h"

enum { MAX_WAV = 32 << 20 };

/* What the preview's steps pass on (req->stash). */
struct preview {
	char *text;
	char voice[16];
	unsigned rate;
	char *path;
};

static void preview_free(void *arg)
{
	struct preview *pv = arg;

	if (!pv)
		return;
	free(pv->text);
	free(pv->path);
	free(pv);
}

/* The tenant's settings, or the defaults when it never saved any. */
static int load_settings(struct db *db, const char *tenant_id, json_t **rowp)
{
	int err = db_query_one(db, rowp, "SELECT voice, rate, updated_at FROM "
			       "tenant_tts WHERE tenant_id = ?",
			       json_pack("[s]", tenant_id));

	if (err != ENOENT)
		return err;
	*rowp = json_pack("{sssisn}", "voice", TTS_VOICE_DEFAULT, "rate",
			  TTS_RATE_DEFAULT, "updated_at");
	return *rowp ? 0 : ENOMEM;
}

static int unspeakable(struct api_req *req, const char *why)
{
	return api_fail(req, 422, "invalid_field", "%s", why);
}

HANDLER(tts_settings_get)
{
	json_t *row = NULL, *voices = json_array();
	int err = load_settings(db, req->who.tenant_id, &row);

	for (const char *const *v = tts_voices(); *v; v++)
		json_array_append_new(voices, json_string(*v));
	if (err) {
		json_decref(voices);
		return err;
	}
	json_object_set_new(row, "voices", voices);
	json_object_set_new(row, "rate_min", json_integer(TTS_RATE_MIN));
	json_object_set_new(row, "rate_max", json_integer(TTS_RATE_MAX));
	return api_ok(req, 200, row);
}

static const struct field_spec settings_fields[] = {
	{"voice", F_STRING, true, 0, 0},
	{"rate", F_INTEGER, true, 0, 0},
	{NULL, 0, false, 0, 0},
};

HANDLER(tts_settings_put)
{
	json_t *before = NULL;
	const char *voice;
	json_int_t rate, now = (json_int_t)now_ms();
	char why[160];
	int err = body_check(req, settings_fields, true);

	if (err)
		return err;
	voice = body_str(req, "voice", "");
	rate = json_integer_value(json_object_get(req->body, "rate"));
	if (tts_check_voice(voice, rate, why, sizeof(why)))
		return unspeakable(req, why);
	err = load_settings(db, req->who.tenant_id, &before);
	if (!err)
		err = db_exec(db, "INSERT INTO tenant_tts (tenant_id, voice, "
			      "rate, updated_at) VALUES (?, ?, ?, ?) "
			      "ON CONFLICT (tenant_id) DO UPDATE SET "
			      "voice = excluded.voice, rate = excluded.rate, "
			      "updated_at = excluded.updated_at",
			      json_pack("[ssII]", req->who.tenant_id, voice,
					rate, now));
	if (!err)
		err = oplog_write(db, req, "update", "tts", req->who.tenant_id,
				  before, req->body);
	json_decref(before);
	if (err)
		return err;
	return api_ok(req, 200, json_pack("{sssIsI}", "voice", voice, "rate",
					  rate, "updated_at", now));
}

static const struct field_spec preview_fields[] = {
	{"text", F_STRING, true, 0, 0},
	{"voice", F_STRING, false, 0, 0},
	{"rate", F_INTEGER, false, 0, 0},
	{NULL, 0, false, 0, 0},
};

/* Step one (store reader): what to say, in which voice, how fast. */
HANDLER(tts_preview_prepare)
{
	json_t *settings = NULL, *given;
	struct preview *pv;
	const char *voice;
	json_int_t rate;
	char why[160];
	int err = body_check(req, preview_fields, true);

	if (err)
		return err;
	err = load_settings(db, req->who.tenant_id, &settings);
	if (err)
		return err;
	voice = body_str(req, "voice", json_string_value(
				 json_object_get(settings, "voice")));
	given = json_object_get(req->body, "rate");
	rate = json_integer_value(given ? given
				  : json_object_get(settings, "rate"));
	/* text first, then voice and rate (0: out of range either way) */
	err = tts_check(body_str(req, "text", ""), voice,
			rate < 0 || rate > TTS_RATE_MAX ? 0 : (unsigned)rate,
			why, sizeof(why));
	pv = err ? NULL : calloc(1, sizeof(*pv));
	if (pv) {
		snprintf(pv->voice, sizeof(pv->voice), "%s", voice);
		pv->rate = (unsigned)rate;
		pv->text = strdup(body_str(req, "text", ""));
	}
	json_decref(settings);
	if (err)
		return unspeakable(req, why);
	if (!pv || !pv->text) {
		preview_free(pv);
		return ENOMEM;
	}
	req->stash = pv;
	req->stash_free = preview_free;
	return 0;
}

/* Step three (store reader): the file's bytes are the answer. */
static int read_wav(struct db *db, struct api_req *req)
{
	struct preview *pv = req->stash;
	FILE *f = fopen(pv->path, "rb");
	char *data = NULL;
	long len = -1;

	(void)db;
	if (f && !fseek(f, 0, SEEK_END))
		len = ftell(f);
	if (len > 0 && len <= MAX_WAV && !fseek(f, 0, SEEK_SET))
		data = malloc((size_t)len);
	if (data && fread(data, 1, (size_t)len, f) != (size_t)len) {
		free(data);
		data = NULL;
	}
	if (f)
		fclose(f);
	if (!data) {
		log_error("tts", "cannot read %s", pv->path);
		return api_fail(req, 500, "internal", "the rendered audio "
				"could not be read");
	}
	return api_ok_bytes(req, "audio/wav", data, (size_t)len);
}

/* The worker is done (control thread). */
static void rendered(int err, const char *path, void *arg)
{
	struct api_req *req = arg;
	struct preview *pv = req->stash;

	if (!err) {
		pv->path = strdup(path);
		err = pv->path ? 0 : ENOMEM;
	}
	if (err == ENODATA)
		api_fail(req, 422, "invalid_field", "the text gives no sound "
			 "in voice '%s'", pv->voice);
	else if (err == ECANCELED)
		api_fail(req, 503, "unavailable", "shutting down");
	else if (err)
		api_fail(req, 500, "internal", "speech synthesis failed");
	api_server_resume(req, err ? NULL : read_wav);
}

/* Step two (control thread): hand the text to the worker. */
static void preview(struct api_req *req, void *arg)
{
	struct tts *t = arg;
	struct preview *pv = req->stash;
	int err;

	if (!t) {
		api_fail(req, 503, "unavailable", "text to speech is not "
			 "running (see the daemon's log)");
		return;
	}
	err = tts_render(t, pv->text, pv->voice, pv->rate, rendered, req,
			 NULL);
	if (err == EBUSY)
		api_fail(req, 503, "busy", "too many texts are waiting to be "
			 "spoken; try again shortly");
	else if (err)
		api_fail(req, 503, "unavailable", "text to speech: %s",
			 strerror(err));
	else
		api_server_defer(req);
}

int tts_api_register(struct api_server *srv, struct tts *t)
{
	return api_server_add_control(srv, "tts.preview", preview, t);
}
