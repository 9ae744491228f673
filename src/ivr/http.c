/*
 * http.c — the HTTP requests of IVR HTTP nodes (tencent-ccc.md §2.5.3 API
 * call; cticloud.md HTTP interaction): GET with the inputs as a query
 * string or POST with them as a flat JSON object (application/json;
 * charset=utf-8), through libre's asynchronous client, so the control
 * thread never waits. Each attempt has its own timeout; a failure
 * (connection, timeout, a status other than 2xx, an answer that is not a
 * JSON object) is retried up to `retries` times, then reported.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "../core/libre.h"
#include "internal.h"
#include "../core/log.h"

enum { ANSWER_MAX = 64 * 1024 };

struct ivr_http {
	struct http_cli *cli;
	struct http_req *req;
	struct tmr tmr;
	char method[8];
	char *url;                 /* with the query, for GET */
	char *body;                /* POST body, or NULL */
	unsigned timeout_ms;
	unsigned attempts_left;
	struct mbuf *answer;
	uint16_t status;
	ivr_http_h *h;
	void *arg;
};

static void job_free(struct ivr_http *j)
{
	tmr_cancel(&j->tmr);
	j->req = mem_deref(j->req);
	mem_deref(j->answer);
	free(j->url);
	free(j->body);
	free(j);
}

void ivr_http_cancel(struct ivr_http *j)
{
	if (j)
		job_free(j);
}

static int attempt(struct ivr_http *j);

/* An attempt ended: retry, or tell the session. */
static void finish(struct ivr_http *j, int err)
{
	json_t *answer = NULL;

	tmr_cancel(&j->tmr);
	j->req = mem_deref(j->req);
	if (!err && (j->status < 200 || j->status > 299))
		err = EPROTO;
	if (!err) {
		answer = json_loadb((const char *)j->answer->buf,
				    j->answer->end, 0, NULL);
		if (!json_is_object(answer)) {
			json_decref(answer);
			answer = NULL;
			err = EBADMSG;
		}
	}
	if (err && j->attempts_left) {
		log_info("ivr", "HTTP %s %s failed (%s, status %u): trying "
			 "again", j->method, j->url, strerror(err), j->status);
		if (!attempt(j))
			return;
	}
	j->h(err, answer, j->arg);     /* the session frees the job */
	json_decref(answer);
}

static void timed_out(void *arg)
{
	finish(arg, ETIMEDOUT);
}

static void response(int err, const struct http_msg *msg, void *arg)
{
	struct ivr_http *j = arg;

	j->req = NULL;        /* libre frees it after this handler */
	if (!err && msg)
		j->status = msg->scode;
	finish(j, err);
}

static int data(const uint8_t *buf, size_t size, const struct http_msg *msg,
		void *arg)
{
	struct ivr_http *j = arg;

	(void)msg;
	if (j->answer->end + size > ANSWER_MAX)
		return EOVERFLOW;
	return mbuf_write_mem(j->answer, buf, size);
}

static int attempt(struct ivr_http *j)
{
	int err;

	j->attempts_left--;
	j->status = 0;
	mbuf_reset(j->answer);
	if (j->body)
		err = http_request(&j->req, j->cli, j->method, j->url, response,
				   data, j, "Content-Type: application/json; "
				   "charset=utf-8\r\nContent-Length: %zu\r\n"
				   "Accept: application/json\r\n\r\n%s",
				   strlen(j->body), j->body);
	else
		err = http_request(&j->req, j->cli, j->method, j->url, response,
				   data, j, "Accept: application/json\r\n\r\n");
	if (!err)
		tmr_start(&j->tmr, j->timeout_ms, timed_out, j);
	return err;
}

/* The inputs as name=value&... (percent-encoded). */
static int query_of(const json_t *inputs, struct mbuf *mb)
{
	const char *k;
	json_t *v;
	bool first = true;
	int err = 0;

	json_object_foreach((json_t *)inputs, k, v) {
		const char *s = json_string_value(v);

		err |= mbuf_write_str(mb, first ? "" : "&");
		for (const char *p = k; *p; p++)
			err |= mbuf_printf(mb, strchr("-_.~", *p) ||
					   (*p >= '0' && *p <= '9') ||
					   ((*p | 32) >= 'a' && (*p | 32) <= 'z')
					   ? "%c" : "%%%02X",
					   (unsigned char)*p);
		err |= mbuf_write_str(mb, "=");
		for (const char *p = s ? s : ""; *p; p++)
			err |= mbuf_printf(mb, strchr("-_.~", *p) ||
					   (*p >= '0' && *p <= '9') ||
					   ((*p | 32) >= 'a' && (*p | 32) <= 'z')
					   ? "%c" : "%%%02X",
					   (unsigned char)*p);
		first = false;
	}
	return err;
}

static int build(struct ivr_http *j, const char *url, const json_t *inputs)
{
	struct mbuf *mb;
	int err;

	if (strcmp(j->method, "GET")) {
		j->body = json_dumps(inputs, JSON_COMPACT);
		j->url = strdup(url);
		return j->body && j->url ? 0 : ENOMEM;
	}
	mb = mbuf_alloc(256);
	if (!mb)
		return ENOMEM;
	err = mbuf_write_str(mb, url);
	if (json_object_size(inputs))
		err |= mbuf_write_str(mb, strchr(url, '?') ? "&" : "?");
	err |= query_of(inputs, mb);
	if (!err) {
		mbuf_set_pos(mb, 0);
		err = mbuf_strdup(mb, &j->url, mb->end) ? ENOMEM : 0;
		if (!err) {
			/* mbuf_strdup gives libre memory: keep our own copy */
			char *own = strdup(j->url);

			mem_deref(j->url);
			j->url = own;
			err = own ? 0 : ENOMEM;
		}
	}
	mem_deref(mb);
	return err;
}

int ivr_http_start(struct ivr_http **jp, struct http_cli *cli,
		   const char *method, const char *url, const json_t *inputs,
		   unsigned timeout_s, unsigned retries, ivr_http_h *h,
		   void *arg)
{
	struct ivr_http *j;
	int err;

	if (!cli)
		return ENOTSUP;
	j = calloc(1, sizeof(*j));
	if (!j)
		return ENOMEM;
	tmr_init(&j->tmr);
	j->cli = cli;
	str_ncpy(j->method, method, sizeof(j->method));
	j->timeout_ms = timeout_s * 1000;
	j->attempts_left = retries + 1;
	j->h = h;
	j->arg = arg;
	j->answer = mbuf_alloc(1024);
	err = j->answer ? build(j, url, inputs) : ENOMEM;
	if (!err)
		err = attempt(j);
	if (err) {
		job_free(j);
		return err;
	}
	*jp = j;
	return 0;
}
