#define _GNU_SOURCE
#include "CLinux.h"
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <spawn.h>

int countersign_spawn_add_closefrom(posix_spawn_file_actions_t *actions, int from) {
    return posix_spawn_file_actions_addclosefrom_np(actions, from);
}

const uint32_t countersign_EPOLLIN = EPOLLIN;
const uint32_t countersign_EPOLLOUT = EPOLLOUT;
const uint32_t countersign_EPOLLERR = EPOLLERR;
const uint32_t countersign_EPOLLHUP = EPOLLHUP;
const uint32_t countersign_EPOLLRDHUP = EPOLLRDHUP;
const uint32_t countersign_EPOLLET = EPOLLET;

int countersign_epoll_create(void) { return epoll_create1(EPOLL_CLOEXEC); }

int countersign_epoll_add(int epfd, int fd, uint32_t events, uint64_t token) {
    struct epoll_event event = {.events = events, .data = {.u64 = token}};
    return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &event);
}

int countersign_epoll_remove(int epfd, int fd) {
    struct epoll_event event = {0};
    return epoll_ctl(epfd, EPOLL_CTL_DEL, fd, &event);
}

int countersign_epoll_wait(int epfd, uint32_t *events, uint64_t *tokens, int capacity, int timeout) {
    struct epoll_event ready[1024];
    if (capacity > 1024) capacity = 1024;
    int count = epoll_wait(epfd, ready, capacity, timeout);
    for (int i = 0; i < count; i++) {
        events[i] = ready[i].events;
        tokens[i] = ready[i].data.u64;
    }
    return count;
}

int countersign_eventfd(void) { return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC); }

int countersign_accept(int fd, struct sockaddr *address, socklen_t *length) {
    return accept4(fd, address, length, SOCK_NONBLOCK | SOCK_CLOEXEC);
}
