/* util.h: shared declaration of the multi-file test. */
long sum_to(int n);
