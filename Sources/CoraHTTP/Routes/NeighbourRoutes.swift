import CoraData
import CoraKernel
import CoraWire
import Foundation
import HTTPTypes
import Hummingbird

// The Run and Subject slices the Data module reads from (CONTRACT §7).

extension Endpoints {
    static let registerSubject = Endpoint(.post, "/subjects", Slices.registerSubject, OpenAPIOperation(
        "RegisterSubject", "Register a Subject.",
        headers: [("Idempotency-Key", false, Schema.idempotencyKeyHeader, "Optional; makes a retry safe.")],
        requestSchema: Schema.registerSubjectBody,
        responses: [(201, "Registered.", Schema.created("subject_id"))]
    )) { created in
        Responses.created(createdBody("subject_id", created.id), location: "/subjects/\(created.id.lowercased)", replayed: created.replayed)
    }

    static let getSubject = Endpoint(.get, "/subjects/{subject_id}", Slices.getSubject, OpenAPIOperation(
        "GetSubject", "A Subject.", responses: [(200, "The Subject.", Schema.subject)]
    )) { subject in Responses.json(subject.representation) }

    static let startRun = Endpoint(.post, "/runs", Slices.startRun, OpenAPIOperation(
        "StartRun", "Start a Run (status Running).",
        headers: [("Idempotency-Key", false, Schema.idempotencyKeyHeader, "Optional; makes a retry safe.")],
        requestSchema: Schema.startRunBody,
        responses: [(201, "Started.", Schema.created("run_id"))]
    )) { created in
        Responses.created(createdBody("run_id", created.id), location: "/runs/\(created.id.lowercased)", replayed: created.replayed)
    }

    static let endRun = Endpoint(.post, "/runs/{run_id}/end", Slices.endRun, OpenAPIOperation(
        "EndRun", "End a Running Run in a terminal state.", requestSchema: Schema.endRunBody, responses: [(204, "Ended.", nil)]
    )) { _ in Responses.noContent() }

    static let getRun = Endpoint(.get, "/runs/{run_id}", Slices.getRun, OpenAPIOperation(
        "GetRun", "A Run.", responses: [(200, "The Run.", Schema.run)]
    )) { run in Responses.json(run.representation) }
}
