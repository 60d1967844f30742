import CoraKernel

/// Folds a stored stream with an aggregate's decoder and evolve. A payload this code cannot read, or an
/// event that cannot follow the state before it, means the store holds something it never wrote: that
/// is reported (500, logged), never skipped or shown as "not found".
func foldStream<State, Event>(
    _ events: [RecordedEvent],
    decode: (String, JSONValue) -> Event?,
    evolve: (State?, Event) -> State?
) throws(StoreError) -> State? {
    var state: State?
    for recorded in events {
        guard let event = decode(recorded.eventType, recorded.payload) else {
            throw .corrupt("unreadable \(recorded.eventType) at position \(recorded.position)")
        }
        guard let next = evolve(state, event) else {
            throw .corrupt("\(recorded.eventType) at position \(recorded.position) cannot follow version \(recorded.version - 1) of \(recorded.stream)")
        }
        state = next
    }
    return state
}

/// The state after a decider's events; a decider that emits an event its own evolve refuses is a bug.
func applying<State, Event>(_ events: [Event], to state: State?, _ evolve: (State?, Event) -> State?) throws(StoreError) -> State {
    var current = state
    for event in events {
        guard let next = evolve(current, event) else { throw .corrupt("a decided event cannot follow the state it was decided on") }
        current = next
    }
    guard let current else { throw .corrupt("a command left no state") }
    return current
}
