/*
 * erlang.c — Erlang B and C (see erlang.h). Erlang B by its recurrence
 * B(0) = 1, B(k) = A·B(k−1) / (k + A·B(k−1)): every step stays in [0, 1],
 * so it neither overflows nor loses precision for large N. Erlang C from
 * it: C = N·B / (N − A·(1 − B)).
 */
#include <math.h>
#include "erlang.h"

double erlang_b(unsigned agents, double traffic)
{
	double b = 1.0;

	if (isnan(traffic) || traffic < 0)
		return NAN;
	for (unsigned k = 1; k <= agents; k++)
		b = traffic * b / (k + traffic * b);
	return b;
}

double erlang_c(unsigned agents, double traffic)
{
	double b;

	if (isnan(traffic) || traffic < 0)
		return NAN;
	if (traffic == 0)
		return 0.0;
	if (agents <= traffic)
		return 1.0;
	b = erlang_b(agents, traffic);
	return agents * b / (agents - traffic * (1.0 - b));
}

double erlang_service_level(unsigned agents, double traffic, double aht_s,
			    double t_s)
{
	double c = erlang_c(agents, traffic);

	if (isnan(c) || isnan(t_s) || !(aht_s > 0))
		return NAN;
	if (traffic > 0 && agents <= traffic)
		return 0.0;
	if (t_s < 0)
		return 0.0;
	return 1.0 - c * exp(-(agents - traffic) * t_s / aht_s);
}

double erlang_asa(unsigned agents, double traffic, double aht_s)
{
	double c = erlang_c(agents, traffic);

	if (isnan(c) || !(aht_s > 0))
		return NAN;
	if (traffic > 0 && agents <= traffic)
		return INFINITY;
	return c * aht_s / (agents - traffic);
}
