/*
 * erlang.h — Erlang C queueing formulas: the probability that a caller
 * waits, the service level and the average speed of answer of a queue of
 * N agents offered A Erlangs of Poisson traffic (A = arrival rate × average
 * handling time). The ACD's correctness test compares measured waits with
 * these. Pure functions.
 */
#ifndef HOTLINE_ACD_ERLANG_H
#define HOTLINE_ACD_ERLANG_H

/* Erlang B: the blocking probability of N servers, no waiting room. */
double erlang_b(unsigned agents, double traffic_erlangs);

/* Erlang C: the probability that a call waits (all N agents busy). 1 when
   N ≤ A (the queue grows without bound), 0 for no traffic. Numerically
   stable for thousands of agents (Erlang B recurrence, no factorials).
   NaN for a NaN or negative traffic. */
double erlang_c(unsigned agents, double traffic_erlangs);

/* Service level: P(wait ≤ t_s) = 1 − C·e^{−(N−A)·t/AHT}; 0 when N ≤ A
   (A > 0), 1 for no traffic.
   NaN for a non-positive AHT. */
double erlang_service_level(unsigned agents, double traffic_erlangs,
			    double aht_s, double t_s);

/* Average speed of answer in seconds, over all calls: C·AHT/(N−A);
   INFINITY when N ≤ A (A > 0), 0 for no traffic. NaN for a non-positive
   AHT. */
double erlang_asa(unsigned agents, double traffic_erlangs, double aht_s);

#endif
