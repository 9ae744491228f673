/*
 * tts_api.h — the API's text-to-speech routes: the tenant's voice and rate,
 * and a preview answered with the rendered WAV.
 */
#ifndef HOTLINE_API_TTS_API_H
#define HOTLINE_API_TTS_API_H

struct api_server;
struct tts;

/* t may be NULL (text to speech failed to start): previews answer 503. */
int tts_api_register(struct api_server *srv, struct tts *t);

#endif
