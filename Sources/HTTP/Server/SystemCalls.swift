import CLinux

#if canImport(Glibc)
    import Glibc
#endif

/// epoll, eventfd and accept4, through the small `CLinux` C target (the Glibc
/// module does not export them). The wrappers use plain C types, so nothing
/// here depends on the layout of `struct epoll_event`.
enum SystemCalls {
    static let epollIn = countersign_EPOLLIN
    static let epollOut = countersign_EPOLLOUT
    static let epollError = countersign_EPOLLERR
    static let epollHangUp = countersign_EPOLLHUP
    static let epollReadHangUp = countersign_EPOLLRDHUP
    static let epollEdgeTriggered = countersign_EPOLLET

    /// Bytes of event buffer per event: a 4-byte mask and an 8-byte token, in two arrays.
    static let eventSize = 12

    static func epollCreate() -> Int32 { countersign_epoll_create() }

    static func epollAdd(_ epollFD: Int32, _ fd: Int32, events: UInt32, token: UInt64) -> Int32 {
        countersign_epoll_add(epollFD, fd, events, token)
    }

    static func epollRemove(_ epollFD: Int32, _ fd: Int32) {
        _ = countersign_epoll_remove(epollFD, fd)
    }

    /// Waits for events into `buffer`: `capacity` tokens (8 bytes each) first,
    /// then `capacity` masks (4 bytes each), so both arrays stay aligned.
    static func epollWait(_ epollFD: Int32, _ buffer: UnsafeMutableRawPointer, capacity: Int32, timeout: Int32) -> Int32
    {
        let tokens = buffer.assumingMemoryBound(to: UInt64.self)
        let masks = (buffer + Int(capacity) * 8).assumingMemoryBound(to: UInt32.self)
        return countersign_epoll_wait(epollFD, masks, tokens, capacity, timeout)
    }

    /// The events mask and token of the `index`th event in a buffer filled by ``epollWait(_:_:capacity:timeout:)``.
    @inline(__always)
    static func event(at index: Int, in buffer: UnsafeMutableRawPointer, capacity: Int) -> (events: UInt32, token: UInt64) {
        (
            (buffer + capacity * 8).load(fromByteOffset: index * 4, as: UInt32.self),
            buffer.load(fromByteOffset: index * 8, as: UInt64.self)
        )
    }

    static func eventFD() -> Int32 { countersign_eventfd() }

    static func accept(
        _ fd: Int32, _ address: UnsafeMutablePointer<sockaddr>, _ length: UnsafeMutablePointer<socklen_t>
    ) -> Int32 {
        countersign_accept(fd, address, length)
    }
}
