import CoraData
import CoraKernel
import CoraTestSupport
import Foundation
import Testing

@Suite("Domain errors map to the contract's problems")
struct ErrorMappingTests {
    static let id = SequentialIDs.id(1), run = SequentialIDs.id(2), subject = SequentialIDs.id(3), a = SequentialIDs.id(4), b = SequentialIDs.id(5)

    @Test func everyErrorMapsToItsContractStatus() {
        let expectations: [(any ProblemReportable, Int, String)] = [
            (DatasetError.notFound(Self.id), 404, "DatasetNotFound"),
            (DatasetError.producingRunMissing(Self.run), 404, "ProducingRunMissing"),
            (DatasetError.linkedSubjectMissing(Self.subject), 404, "LinkedSubjectMissing"),
            (DatasetError.derivedFromMissing([Self.a]), 404, "DerivedFromDatasetsMissing"),
            (DatasetError.derivedFromDiscarded([Self.a]), 409, "DerivedFromDatasetsDiscarded"),
            (DatasetError.alreadyExists(Self.id), 409, "DatasetAlreadyExists"),
            (DatasetError.alreadyPromoted(Self.id), 409, "DatasetAlreadyPromoted"),
            (DatasetError.alreadyRetracted(Self.id), 409, "DatasetAlreadyRetracted"),
            (DatasetError.cannotPromote(Self.id, .retracted), 409, "DatasetCannotPromote"),
            (DatasetError.cannotDemote(Self.id, .trial), 409, "DatasetCannotDemote"),
            (DatasetError.cannotDiscard(Self.id, .discarded), 409, "DatasetCannotDiscard"),
            (DatasetError.invalidDiscardReason("x"), 400, "InvalidDatasetDiscardReason"),
            (RunError.alreadyEnded(Self.run, .completed), 409, "RunAlreadyEnded"),
            (RunError.subjectNotFound(Self.subject), 404, "SubjectNotFound"),
            (IdempotencyError.inFlight, 409, "IdempotencyKeyInFlight"),
            (IdempotencyError.reused, 422, "IdempotencyKeyReused"),
            (StoreError.unavailable("x"), 503, "StoreUnavailable"),
            (StoreError.corrupt("x"), 500, "InternalError"),
        ]
        for (error, status, code) in expectations {
            #expect(error.problem.status == status && error.problem.code == code, "\(error)")
        }
        #expect(DatasetError.cannotPromote(Self.id, .producingRunNotCompleted(.aborted)).problem.extensions["reason"] == "producing_run_not_completed")
        #expect(DatasetError.derivedFromMissing([Self.b, Self.a]).problem.extensions["missing_ids"] == .array([.string(Self.a.lowercased), .string(Self.b.lowercased)]))
        // Never an internal detail in what a caller sees.
        #expect(StoreError.corrupt("unreadable DatasetRegistered at position 7").problem.detail == "An internal error occurred.")
    }
}

@Suite("Folding stored streams")
struct FoldTests {
    static let id = SequentialIDs.id(1)
    let metadata = EventMetadata(actorID: Fixtures.principal, correlationID: SequentialIDs.id(99))

    func recorded(_ events: [DatasetEvent]) -> [RecordedEvent] {
        events.enumerated().map { offset, event in
            NewEvent(eventID: SequentialIDs.id(UInt64(100 + offset)), stream: StreamID(.dataset, Self.id), version: offset + 1, eventType: event.eventType,
                     payload: event.payload, metadata: metadata, occurredAt: event.occurredAt, recordedAt: event.occurredAt).recorded(at: Int64(offset + 1))
        }
    }

    @Test func storedValuesAreNotJudgedByTodaysRules() throws {
        // A name of 300 characters and a blocked scheme: refused today, but once stored they stay readable.
        guard case .registered(let valid) = try Given.registered(Self.id) else { Issue.record("not a registration"); return }
        guard case .object(var payload) = valid.payload else { Issue.record("payload is not an object"); return }
        payload["name"] = .string(String(repeating: "n", count: 300))
        payload["uri"] = "javascript:alert(1)"
        payload["byte_size"] = -5
        let stored = NewEvent(eventID: SequentialIDs.id(100), stream: StreamID(.dataset, Self.id), version: 1, eventType: "DatasetRegistered",
                              payload: .object(payload), metadata: metadata, occurredAt: Given.earlier, recordedAt: Given.earlier).recorded(at: 1)
        let dataset = try #require(try DatasetEvolve.fold([stored]))
        #expect(dataset.name.value.count == 300 && dataset.uri.value == "javascript:alert(1)" && dataset.byteSize.value == -5)
    }

    @Test func aTransitionOnAnEmptyStreamIsACorruptStore() throws {
        let promoted = recorded([try Given.promoted(Self.id)])
        #expect(throws: StoreError.self) { try DatasetEvolve.fold(promoted) }
        let twice = recorded([try Given.registered(Self.id), try Given.registered(Self.id)])
        #expect(throws: StoreError.self) { try DatasetEvolve.fold(twice) }
    }

    @Test func aPayloadMissingAMemberIsACorruptStore() {
        let foreign = NewEvent(eventID: SequentialIDs.id(100), stream: StreamID(.dataset, Self.id), version: 1, eventType: "DatasetRegistered",
                               payload: ["dataset_id": .string(Self.id.lowercased)], metadata: metadata, occurredAt: Given.earlier,
                               recordedAt: Given.earlier).recorded(at: 1)
        #expect(throws: StoreError.self) { try DatasetEvolve.fold([foreign]) }
    }
}
