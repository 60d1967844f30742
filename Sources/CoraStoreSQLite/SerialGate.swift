/// A first-come, first-served async mutex for the single SQLite writer connection.
///
/// Hand-written because none of the listed packages offers an async lock; SQLite's own busy handling
/// would spin threads instead of suspending tasks.
actor SerialGate {
    private var held = false
    private var waiters: [CheckedContinuation<Void, Never>] = []
    private var nextWaiter = 0

    func acquire() async {
        guard held else {
            held = true
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    func release() {
        guard nextWaiter < waiters.count else {
            held = false
            waiters.removeAll(keepingCapacity: true)
            nextWaiter = 0
            return
        }
        let waiter = waiters[nextWaiter]
        nextWaiter += 1
        waiter.resume()
    }
}
