/*
 * queue.c — the command and event queues of the media engine: a linked list
 * under a mutex, and a libre mqueue that wakes the consumer's event loop.
 *
 * libre's mqueue writes one message per push into a non-blocking pipe, which
 * refuses pushes once full; here only the push that makes the list non-empty
 * writes to the pipe, so nothing is lost however far the consumer falls
 * behind, and the consumer takes the whole list at once.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include "../core/libre.h"
#include "internal.h"
#include "../core/log.h"

int nodeq_init(struct nodeq *q, void (*wakeh)(int, void *, void *),
	       void *arg)
{
	int err;

	q->head = q->tail = NULL;
	err = pthread_mutex_init(&q->lock, NULL);
	if (err)
		return err;
	err = mqueue_alloc(&q->wake, wakeh, arg);
	if (err) {
		pthread_mutex_destroy(&q->lock);
		q->wake = NULL;
	}
	return err;
}

/* Frees the heap nodes still queued; embedded nodes belong to others. */
void nodeq_close(struct nodeq *q)
{
	struct qnode *n = nodeq_take_all(q);

	while (n) {
		struct qnode *next = n->next;

		if (n->heap)
			free(n);
		n = next;
	}
	q->wake = mem_deref(q->wake);
	pthread_mutex_destroy(&q->lock);
}

void nodeq_push(struct nodeq *q, struct qnode *n)
{
	bool wake;
	int err;

	n->next = NULL;
	pthread_mutex_lock(&q->lock);
	wake = !q->head;
	if (q->tail)
		q->tail->next = n;
	else
		q->head = n;
	q->tail = n;
	pthread_mutex_unlock(&q->lock);
	if (!wake)
		return;
	err = mqueue_push(q->wake, 0, NULL);
	/* EAGAIN: the pipe is full of wake-ups, the consumer will run. */
	if (err && err != EAGAIN)
		log_error("media", "queue wake-up failed: %d", err);
}

struct qnode *nodeq_take_all(struct nodeq *q)
{
	struct qnode *n;

	pthread_mutex_lock(&q->lock);
	n = q->head;
	q->head = q->tail = NULL;
	pthread_mutex_unlock(&q->lock);
	return n;
}
