import CoraKernel
import Foundation

/// The audit log of one Dataset: every event of its stream in version order.
public struct DatasetHistory: Sendable {
    public let datasetID: UUID
    public let events: [RecordedEvent]

    public var representation: JSONValue {
        .object([
            "dataset_id": .string(datasetID.lowercased),
            "events": .array(events.map { event in
                .object([
                    "version": .integer(event.version), "event_type": .string(event.eventType), "payload": event.payload,
                    "actor_id": .string(event.metadata.actorID.description),
                    "correlation_id": .string(event.metadata.correlationID.lowercased),
                    "occurred_at": .string(event.occurredAt.rfc3339), "recorded_at": .string(event.recordedAt.rfc3339),
                ])
            }),
        ])
    }
}

public struct GetDatasetHistoryHandler: Sendable {
    let dependencies: ServiceDependencies
    public init(_ dependencies: ServiceDependencies) { self.dependencies = dependencies }

    public func handle(datasetID: String, caller: CallContext) async throws -> DatasetHistory {
        try dependencies.authorize(.getDatasetHistory, caller)
        let id = try parsePathUUID(datasetID, name: "dataset_id")
        let events = try await dependencies.store.readStream(StreamID(.dataset, id))
        guard !events.isEmpty else { throw DatasetError.notFound(id) }
        return DatasetHistory(datasetID: id, events: events)
    }
}
