#ifndef COUNTERSIGN_CLINUX_H
#define COUNTERSIGN_CLINUX_H
// Linux system calls that Swift's Glibc module does not export (epoll,
// eventfd, accept4 need headers outside its umbrella and _GNU_SOURCE).
// Thin wrappers with plain C types, so Swift never depends on the layout of
// struct epoll_event (packed on x86-64, aligned elsewhere).
#include <spawn.h>
#include <stdint.h>
#include <sys/socket.h>

extern const uint32_t countersign_EPOLLIN;
extern const uint32_t countersign_EPOLLOUT;
extern const uint32_t countersign_EPOLLERR;
extern const uint32_t countersign_EPOLLHUP;
extern const uint32_t countersign_EPOLLRDHUP;
extern const uint32_t countersign_EPOLLET;

/// epoll_create1(EPOLL_CLOEXEC).
int countersign_epoll_create(void);
/// epoll_ctl(EPOLL_CTL_ADD) with `token` as the event's data.
int countersign_epoll_add(int epfd, int fd, uint32_t events, uint64_t token);
/// epoll_ctl(EPOLL_CTL_DEL).
int countersign_epoll_remove(int epfd, int fd);
/// epoll_wait into parallel arrays of event masks and tokens (at most `capacity`, ≤ 1024).
int countersign_epoll_wait(int epfd, uint32_t *events, uint64_t *tokens, int capacity, int timeout);
/// eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC).
int countersign_eventfd(void);
/// accept4(…, SOCK_NONBLOCK | SOCK_CLOEXEC).
int countersign_accept(int fd, struct sockaddr *address, socklen_t *length);
/// posix_spawn_file_actions_addclosefrom_np: the child closes every descriptor from `from` up.
int countersign_spawn_add_closefrom(posix_spawn_file_actions_t *actions, int from);

#endif
