import CoraKernel

/// Every event this service writes, typed: what deciders emit, what read models are fed, what stored
/// events decode to.
public enum DomainEvent: Sendable, Equatable {
    case dataset(DatasetEvent)
    case run(RunEvent)
    case subject(SubjectEvent)

    public var pending: PendingEvent {
        switch self {
        case .dataset(let event): event.pending
        case .run(let event): event.pending
        case .subject(let event): event.pending
        }
    }

    /// Reads a stored event back (without the write-side rules); `nil` for one this code never writes.
    public init?(_ recorded: RecordedEvent) {
        switch recorded.stream.type {
        case .dataset: guard let event = DatasetEvent(eventType: recorded.eventType, payload: recorded.payload) else { return nil }; self = .dataset(event)
        case .run: guard let event = RunEvent(eventType: recorded.eventType, payload: recorded.payload) else { return nil }; self = .run(event)
        case .subject: guard let event = SubjectEvent(eventType: recorded.eventType, payload: recorded.payload) else { return nil }; self = .subject(event)
        }
    }
}

/// An event as decided, with the envelope the store gave it (position, version, times, actor).
public struct AppendedEvent: Sendable, Equatable {
    public let event: DomainEvent
    public let envelope: RecordedEvent

    public init(event: DomainEvent, envelope: RecordedEvent) {
        self.event = event
        self.envelope = envelope
    }
}
