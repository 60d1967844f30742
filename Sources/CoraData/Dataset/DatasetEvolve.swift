import CoraKernel

/// The one evolve function of the Dataset aggregate: pure, no validation at fold time. `nil` means the
/// event cannot follow the state (a transition on an empty stream, a second genesis): a stream that
/// holds such a sequence is corrupt, which folding reports rather than hides.
public enum DatasetEvolve {
    public static func evolve(_ state: Dataset?, _ event: DatasetEvent) -> Dataset? {
        switch event {
        case .registered(let registered):
            guard state == nil else { return nil }
            return Dataset(
                id: registered.datasetID, name: registered.name, uri: registered.uri, checksum: registered.checksum,
                byteSize: registered.byteSize, encoding: registered.encoding, producingRunID: registered.producingRunID,
                producingRunEndState: registered.producingRunEndState, subjectID: registered.subjectID,
                derivedFrom: registered.derivedFrom, usedCalibrations: registered.usedCalibrations,
                status: .registered, intent: registered.intent, createdAt: registered.occurredAt,
                updatedAt: registered.occurredAt, version: 1)
        case .promoted(let change):
            return state.map { transition($0, at: change.occurredAt) { $0.intent = .production } }
        case .demoted(let change):
            return state.map { transition($0, at: change.occurredAt) { $0.intent = .retracted } }
        case .discarded(let change):
            return state.map { transition($0, at: change.occurredAt) { $0.status = .discarded } }
        }
    }

    private static func transition(_ state: Dataset, at time: Timestamp, _ change: (inout Dataset) -> Void) -> Dataset {
        var next = state
        change(&next)
        next.updatedAt = time
        next.version += 1
        return next
    }

    /// Folds a stored stream; throws when it holds an event this code cannot read or apply.
    public static func fold(_ events: [RecordedEvent]) throws(StoreError) -> Dataset? {
        try foldStream(events, decode: DatasetEvent.init(eventType:payload:), evolve: evolve)
    }
}
