// Entering another network namespace on the calling thread, and back.
#ifndef TSDIAG_NETNS_H
#define TSDIAG_NETNS_H

/**
 * Moves the calling thread into the namespace at path; returns a descriptor
 * of the thread's own namespace to give netns_return(), or -1 with *err set
 * and *syscall naming the call that failed (open: no such file; setns EINVAL:
 * not a network namespace; EPERM: no CAP_SYS_ADMIN).
 */
int netns_enter(const char *path, int *err, const char **syscall);
/** Back to the thread's own namespace and closes own; aborts if it cannot (carrying on would act in the wrong place). */
void netns_return(int own);

#endif
