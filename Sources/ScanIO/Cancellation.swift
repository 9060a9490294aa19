import Foundation
import Synchronization

/// The signal the process's handlers recorded (0: none yet). Written only by ``Cancellation/signalHandler``,
/// an atomic store, which is safe inside a signal handler (lock-free, no allocation).
private let receivedSignal = Atomic<Int32>(0)

/// Asks a scan to stop: the scanning loops check it between files and between chunks of a file, and the
/// pipeline then reports what it read, marked as interrupted.
///
/// A value made with `init()` is cancelled only by ``cancel(signal:)`` (tests, embedding programs);
/// ``interruptSignals`` follows the SIGINT and SIGTERM handlers that ``installSignalHandlers()`` installs.
public final class Cancellation: Sendable {
    private let requested = Atomic<Int32>(0)
    private let followsSignals: Bool

    /// A cancellation that only ``cancel(signal:)`` sets.
    public init() { followsSignals = false }

    private init(followsSignals: Bool) { self.followsSignals = followsSignals }

    /// Set by SIGINT or SIGTERM once ``installSignalHandlers()`` has run.
    public static let interruptSignals = Cancellation(followsSignals: true)

    /// Stops the scan as if `signal` had been received.
    public func cancel(signal: Int32 = SIGINT) {
        _ = requested.compareExchange(expected: 0, desired: signal, ordering: .relaxed)
    }

    /// The signal that stopped the scan, or `nil` while it may go on.
    public var signal: Int32? {
        let own = requested.load(ordering: .relaxed)
        if own != 0 { return own }
        if followsSignals {
            let received = receivedSignal.load(ordering: .relaxed)
            if received != 0 { return received }
        }
        return nil
    }

    /// Whether the scan should stop now.
    public var isCancelled: Bool { signal != nil }

    /// `SIGINT` or `SIGTERM` (the name a report gives).
    public static func name(of signal: Int32) -> String {
        switch signal {
        case SIGINT: return "SIGINT"
        case SIGTERM: return "SIGTERM"
        default: return "signal \(signal)"
        }
    }

    /// Installs handlers for SIGINT and SIGTERM that record the first signal (later ones change nothing, so
    /// that a CI runner's SIGTERM after its SIGINT does not cut the partial report short), and ignores
    /// SIGPIPE so that a closed standard output is a write error (EPIPE) rather than a silent death.
    /// Safe to call more than once.
    public static func installSignalHandlers() {
        // Initialise the global before a handler can touch it: a handler must not run its lazy initialiser.
        _ = receivedSignal.load(ordering: .relaxed)
        var action = sigaction()
        action.__sigaction_handler.sa_handler = signalHandler
        sigemptyset(&action.sa_mask)
        // Interrupted reads and writes are restarted: the loops, not EINTR, notice the signal.
        action.sa_flags = Int32(SA_RESTART)
        sigaction(SIGINT, &action, nil)
        sigaction(SIGTERM, &action, nil)
        // A parent may have started us with them blocked (the mask is inherited): they would never arrive.
        var unblock = sigset_t()
        sigemptyset(&unblock)
        sigaddset(&unblock, SIGINT)
        sigaddset(&unblock, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
        ignoreBrokenPipes()
    }

    /// Ignores SIGPIPE: a write to a closed pipe then fails with EPIPE, which the writer reports.
    public static func ignoreBrokenPipes() {
        _ = Glibc.signal(SIGPIPE, SIG_IGN)
    }

    /// Records the first signal; an atomic compare-and-exchange is all a handler may do here.
    private static let signalHandler: @convention(c) (Int32) -> Void = { signal in
        _ = receivedSignal.compareExchange(expected: 0, desired: signal, ordering: .relaxed)
    }
}

/// Thrown inside a scanning loop when its ``Cancellation`` is set; never reported as a read error.
public struct ScanCancelled: Error, Sendable {
    public init() {}
}
