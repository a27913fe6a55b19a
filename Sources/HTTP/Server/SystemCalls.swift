#if canImport(Glibc)
    import Glibc
#endif

/// epoll, eventfd and accept4, which the Glibc module does not export
/// (`<sys/epoll.h>` and `<sys/eventfd.h>` are not in its umbrella header, and
/// `accept4` needs `_GNU_SOURCE`).
///
/// They are resolved from the C library once, by name, rather than declared in
/// a C module of our own; the ABI is Linux's stable one, written out below.
enum SystemCalls {
    private typealias EpollCreate1 = @convention(c) (Int32) -> Int32
    private typealias EpollControl = @convention(c) (Int32, Int32, Int32, UnsafeMutableRawPointer?) -> Int32
    private typealias EpollWait = @convention(c) (Int32, UnsafeMutableRawPointer?, Int32, Int32) -> Int32
    private typealias EventFD = @convention(c) (UInt32, Int32) -> Int32
    private typealias Accept4 =
        @convention(c) (
            Int32, UnsafeMutablePointer<sockaddr>?, UnsafeMutablePointer<socklen_t>?, Int32
        ) -> Int32

    private struct Table: @unchecked Sendable {
        let epollCreate1: EpollCreate1
        let epollControl: EpollControl
        let epollWait: EpollWait
        let eventFD: EventFD
        let accept4: Accept4
    }

    private static let table: Table? = {
        guard let library = dlopen(nil, RTLD_NOW) else { return nil }
        func symbol<Function>(_ name: String, as type: Function.Type) -> Function? {
            guard let address = dlsym(library, name) else { return nil }
            return unsafeBitCast(address, to: type)
        }
        guard let epollCreate1 = symbol("epoll_create1", as: EpollCreate1.self),
            let epollControl = symbol("epoll_ctl", as: EpollControl.self),
            let epollWait = symbol("epoll_wait", as: EpollWait.self),
            let eventFD = symbol("eventfd", as: EventFD.self),
            let accept4 = symbol("accept4", as: Accept4.self)
        else { return nil }
        return Table(
            epollCreate1: epollCreate1, epollControl: epollControl, epollWait: epollWait, eventFD: eventFD,
            accept4: accept4)
    }()

    /// Whether the C library provides everything; false only on a non-Linux libc.
    static var isAvailable: Bool { table != nil }

    // <sys/epoll.h>
    static let epollIn: UInt32 = 0x001
    static let epollOut: UInt32 = 0x004
    static let epollError: UInt32 = 0x008
    static let epollHangUp: UInt32 = 0x010
    static let epollReadHangUp: UInt32 = 0x2000
    static let epollEdgeTriggered: UInt32 = 1 << 31
    static let epollAdd: Int32 = 1
    static let epollDelete: Int32 = 2
    // EPOLL_CLOEXEC and EFD_CLOEXEC are O_CLOEXEC; EFD_NONBLOCK is O_NONBLOCK.
    static let closeOnExec: Int32 = 0o2_000_000
    static let nonBlocking: Int32 = 0o4_000

    /// `struct epoll_event` is packed on x86-64 (12 bytes) and naturally aligned elsewhere (16).
    #if arch(x86_64)
        static let eventSize = 12
        static let eventDataOffset = 4
    #else
        static let eventSize = 16
        static let eventDataOffset = 8
    #endif

    static func epollCreate() -> Int32 {
        guard let table else {
            errno = ENOSYS
            return -1
        }
        return table.epollCreate1(closeOnExec)
    }

    static func epollAdd(_ epollFD: Int32, _ fd: Int32, events: UInt32, token: UInt64) -> Int32 {
        guard let table else {
            errno = ENOSYS
            return -1
        }
        var event: (UInt64, UInt64) = (0, 0)
        return withUnsafeMutableBytes(of: &event) { raw in
            raw.storeBytes(of: events, toByteOffset: 0, as: UInt32.self)
            raw.storeBytes(of: token, toByteOffset: eventDataOffset, as: UInt64.self)
            return table.epollControl(epollFD, epollAdd, fd, raw.baseAddress)
        }
    }

    static func epollRemove(_ epollFD: Int32, _ fd: Int32) {
        guard let table else { return }
        var event: (UInt64, UInt64) = (0, 0)
        _ = withUnsafeMutableBytes(of: &event) { table.epollControl(epollFD, epollDelete, fd, $0.baseAddress) }
    }

    /// Waits for events into `buffer` (room for `capacity` events of ``eventSize`` bytes).
    static func epollWait(_ epollFD: Int32, _ buffer: UnsafeMutableRawPointer, capacity: Int32, timeout: Int32) -> Int32
    {
        guard let table else {
            errno = ENOSYS
            return -1
        }
        return table.epollWait(epollFD, buffer, capacity, timeout)
    }

    /// The events mask and token of the `index`th event in a buffer filled by ``epollWait(_:_:capacity:timeout:)``.
    @inline(__always)
    static func event(at index: Int, in buffer: UnsafeMutableRawPointer) -> (events: UInt32, token: UInt64) {
        let base = buffer + index * eventSize
        return (
            base.loadUnaligned(as: UInt32.self), base.loadUnaligned(fromByteOffset: eventDataOffset, as: UInt64.self)
        )
    }

    static func eventFD() -> Int32 {
        guard let table else {
            errno = ENOSYS
            return -1
        }
        return table.eventFD(0, nonBlocking | closeOnExec)
    }

    static func accept(
        _ fd: Int32, _ address: UnsafeMutablePointer<sockaddr>, _ length: UnsafeMutablePointer<socklen_t>
    )
        -> Int32
    {
        guard let table else {
            errno = ENOSYS
            return -1
        }
        return table.accept4(fd, address, length, nonBlocking | closeOnExec)
    }
}
