/* mpp_env.h: the environment as part of the program's state. A fresh
 * start copies it into heap blocks and points environ at the copy, and
 * environ itself is saved like a global, so getenv results survive a
 * restore and a rebuilt process sees the environment it had. */
#ifndef MPP_ENV_H
#define MPP_ENV_H

/* Register environ as a saved global (before mpp_registry_check). */
void mpp_env_register(void);

/* Copy the current environment into heap blocks and make it environ,
 * unless environ already is such a block. 0 or MPP_ENOMEM. */
int mpp_env_adopt(void);

/* A restore rebuilt the heap and environ: that array is the one to watch. */
void mpp_env_restored(void);

#endif
