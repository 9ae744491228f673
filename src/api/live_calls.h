/*
 * live_calls.h — the API's view of calls in progress.
 */
#ifndef HOTLINE_API_LIVE_CALLS_H
#define HOTLINE_API_LIVE_CALLS_H

struct api_server;
struct b2bua;

int live_calls_register(struct api_server *srv, struct b2bua *b);

#endif
