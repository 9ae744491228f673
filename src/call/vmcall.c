/*
 * vmcall.c — leaving a voicemail message (tencent-ccc.md: greeting, record
 * after the beep, # ends it): a call forwarded to "voicemail" (its
 * extension's box) or dialling a box's number is answered, hears the box's
 * greeting (a voice of the library) if it has one, then a beep, and what
 * the caller says is recorded (mono WAV, 8 kHz) until # (a confirmation
 * tone, then hang-up), hang-up, or the box's longest message. The message
 * is filed through src/voicemail when its file is final. A box without a
 * greeting says (TTS) "please leave a message after the tone, # to end".
 */
#include <stdlib.h>
#include <string.h>
#include "../core/libre.h"
#include "b2bua.h"
#include "call.h"
#include "../core/log.h"
#include "../media/audiofile.h"
#include "../media/recorder.h"
#include "../record/record.h"
#include "../store/store.h"
#include "../voicemail/voicemail.h"

enum vm_stage { VM_GREETING, VM_BEEP, VM_RECORDING, VM_DONE };

/* What filing a message needs, handed to saved() with the recorder. */
struct vm_save {
	struct vm_message msg;
	struct store *store;
};

struct vmcall {
	enum vm_stage stage;
	unsigned max_s;
	struct recorder *rec;
	struct vm_save *save;      /* filled as we go; saved() frees it */
	struct tmr tmr;            /* the longest message */
};

static void start_beep(struct call *call)
{
	call->vm->stage = VM_BEEP;
	if (media_play(call->a->ep, &(struct media_play){
		    .sound = b2bua_tone(call->b2bua, "beep"), .loops = 1}))
		voicemail_played(call);    /* no beep: record now */
}

/* The box's greeting (a voice of the library), or a spoken default; the
   beep follows when it has played (voicemail_played). */
static void greet(struct call *call, const struct dir_voicemail_box *box)
{
	const struct b2bua_deps *deps = b2bua_deps(call->b2bua);
	struct prompt_part part = {.kind = PROMPT_TEXT};

	call->vm->stage = VM_GREETING;
	if (box->greeting_voice_id[0] &&
	    audiofile_voice_path(part.text, sizeof(part.text), deps->data_dir,
				 box->tenant_id, box->greeting_voice_id) >= 0)
		part.kind = PROMPT_FILE;
	else
		str_ncpy(part.text, "请在提示音后留言，按井号键结束。",
			 sizeof(part.text));
	if (call_prompt(call, call->a, &part, 1, 1, 0))
		start_beep(call);
}

/* ---- recording and filing ---- */

static void saved(int err, const struct recording_info *info, void *arg)
{
	struct vm_save *sv = arg;

	if (!err && info->duration_ms >= 500) {
		sv->msg.duration_ms = info->duration_ms;
		if (voicemail_message_save(sv->store, &sv->msg))
			log_warn("call", "voicemail %s not filed", sv->msg.id);
	} else {
		log_info("call", "voicemail %s: nothing to keep (%d, %llu ms)",
			 sv->msg.id, err,
			 (unsigned long long)info->duration_ms);
	}
	free(sv);
}

static void longest(void *arg)
{
	struct call *call = arg;

	voicemail_stop(call);
	call_end(call, "normal_end", "system", 0, "voicemail full length");
}

static void record_message(struct call *call)
{
	const struct b2bua_deps *deps = b2bua_deps(call->b2bua);
	struct vmcall *vm = call->vm;
	struct vm_message *m = &vm->save->msg;
	char rel[256];
	struct rec_writer *w = deps->recs ? recordings_writer(deps->recs)
					  : NULL;
	int err;

	vm->stage = VM_RECORDING;
	id_new(m->id);
	err = w ? voicemail_message_relpath(rel, sizeof(rel), m->tenant_id,
					    m->box_id, m->id) : ENOTSUP;
	if (!err)
		err = recorder_open(&vm->rec, w, &(struct recorder_cfg){
			.path = rel, .format = REC_WAV, .mode = REC_MONO,
			.rate = 8000});
	if (err) {
		log_warn("call", "call %s: cannot record voicemail: %s",
			 call->id, strerror(err));
		call_end(call, "system_error", "system", 0, "voicemail");
		return;
	}
	re_snprintf(m->path, sizeof(m->path), "%s/%s", deps->data_dir, rel);
	if (media_record(call->a->ep, vm->rec))
		recorder_detach(vm->rec);
	tmr_start(&vm->tmr, vm->max_s * 1000ULL, longest, call);
	log_info("call", "call %s: recording a voicemail for box %s",
		 call->id, m->box_id);
}

void voicemail_stop(struct call *call)
{
	struct vmcall *vm = call->vm;

	if (!vm)
		return;
	tmr_cancel(&vm->tmr);
	if (vm->stage == VM_RECORDING && vm->rec) {
		if (call->a && call->a->state != LEG_ENDED)
			media_record_stop(call->a->ep);
		recorder_close(vm->rec, saved, vm->save);
		vm->save = NULL;       /* saved() frees it */
		vm->rec = NULL;
	}
	vm->stage = VM_DONE;
	free(vm->save);
	free(vm);
	call->vm = NULL;
}

/* A play ended: the greeting (the beep follows) or the beep (record). */
void voicemail_played(struct call *call)
{
	struct vmcall *vm = call->vm;

	if (!vm || call->ended)
		return;
	if (vm->stage == VM_GREETING)
		start_beep(call);
	else if (vm->stage == VM_BEEP)
		record_message(call);
}

static void hang_up_after_tone(void *arg)
{
	struct call *call = arg;

	call_end(call, "normal_end", "system", 0, "voicemail left");
}

bool voicemail_key(struct call *call, char digit)
{
	struct vmcall *vm = call->vm;

	if (!vm)
		return false;
	if (digit == '#' && vm->stage == VM_RECORDING) {
		voicemail_stop(call);
		media_play(call->a->ep, &(struct media_play){
			.sound = b2bua_tone(call->b2bua, "confirm"),
			.loops = 1});
		tmr_start(&call->ring_tmr, 800, hang_up_after_tone, call);
	} else if (vm->stage == VM_GREETING) {
		call_prompt_cancel(call);       /* a key skips the greeting */
		media_play_stop(call->a->ep);
		start_beep(call);
	}
	return true;
}

bool voicemail_take(struct call *call, const char *number)
{
	const struct b2bua_deps *deps = b2bua_deps(call->b2bua);
	const struct dir_voicemail_box *box =
		directory_voicemail_box(deps->dir, call->tenant_id, number);
	struct vm_message *m;
	struct vmcall *vm;

	if (!box || !box->enabled || !deps->recs || call->vm)
		return false;
	vm = calloc(1, sizeof(*vm));
	if (vm)
		vm->save = calloc(1, sizeof(*vm->save));
	if (!vm || !vm->save || (!call->answer_ms && call_answer_alone(call))) {
		if (vm)
			free(vm->save);
		free(vm);
		return false;
	}
	vm->save->store = deps->store;
	vm->max_s = box->max_message_s ? box->max_message_s : 120;
	tmr_init(&vm->tmr);
	m = &vm->save->msg;
	str_ncpy(m->tenant_id, call->tenant_id, sizeof(m->tenant_id));
	str_ncpy(m->box_id, box->id, sizeof(m->box_id));
	str_ncpy(m->call_id, call->id, sizeof(m->call_id));
	str_ncpy(m->caller, call->caller, sizeof(m->caller));
	str_ncpy(m->caller_name, call->caller_name, sizeof(m->caller_name));
	call->vm = vm;
	greet(call, box);
	return true;
}

/* An extension dials a voicemail box's number (a tenant's box, or another
   extension's): it leaves a message there. */
bool voicemail_dial(struct b2bua *b, const struct sip_msg *msg,
		    const struct dir_extension *from)
{
	char number[20];
	struct call *call;

	pl_strcpy(&msg->uri.user, number, sizeof(number));
	if (!directory_voicemail_box(b2bua_deps(b)->dir, from->tenant_id,
				     number))
		return false;
	call = b2bua_take_call(b, msg, from->tenant_id, "internal",
			       from->number, from->display_name, number,
			       from->codecs);
	if (call && !voicemail_take(call, number))
		call_end(call, "unavailable", "system", 480,
			 "Voicemail Unavailable");
	return true;
}
