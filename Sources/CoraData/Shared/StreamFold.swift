import CoraKernel

/// Folds a stored stream with an aggregate's decoder and evolve; a payload this code cannot read means
/// the store holds something it never wrote, which is reported rather than skipped.
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
        state = evolve(state, event)
    }
    return state
}
