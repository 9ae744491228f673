/*
 * agents_live.h — the API's view of agents and queues at run time.
 */
#ifndef HOTLINE_API_AGENTS_LIVE_H
#define HOTLINE_API_AGENTS_LIVE_H

struct api_server;
struct acd;

int agents_live_register(struct api_server *srv, struct acd *acd);

#endif
