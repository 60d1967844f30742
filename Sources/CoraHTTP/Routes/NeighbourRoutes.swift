import CoraData
import CoraKernel
import Foundation
import HTTPTypes
import Hummingbird

// The Run and Subject slices the Data module reads from (CONTRACT §7).

extension Endpoints {
    static let registerSubject = Endpoint(.post, "/subjects", OpenAPIOperation(
        "RegisterSubject", "Register a Subject.",
        headers: [("Idempotency-Key", false, "Optional; makes a retry safe.")],
        requestSchema: Schema.registerSubjectBody,
        responses: [(201, "Registered.", Schema.created("subject_id"))]
    )) { request, context, services in
        let (body, caller) = try await RequestInput.command(request, context)
        let created = try await services.handlers.registerSubject.handle(body: body, idempotencyKey: request.headers[.idempotencyKey], caller: caller)
        return created.response(location: "/subjects")
    }

    static let getSubject = Endpoint(.get, "/subjects/{subject_id}", OpenAPIOperation(
        "GetSubject", "A Subject.", pathParameters: ["subject_id"],
        responses: [(200, "The Subject.", Schema.subject)]
    )) { request, context, services in
        let subject = try await services.handlers.getSubject.handle(subjectID: RequestInput.parameter(context, "subject_id"), caller: RequestInput.caller(request, context))
        return Responses.json(subject.representation)
    }

    static let startRun = Endpoint(.post, "/runs", OpenAPIOperation(
        "StartRun", "Start a Run (status Running).",
        headers: [("Idempotency-Key", false, "Optional; makes a retry safe.")],
        requestSchema: Schema.startRunBody,
        responses: [(201, "Started.", Schema.created("run_id"))]
    )) { request, context, services in
        let (body, caller) = try await RequestInput.command(request, context)
        let created = try await services.handlers.startRun.handle(body: body, idempotencyKey: request.headers[.idempotencyKey], caller: caller)
        return created.response(location: "/runs")
    }

    static let endRun = Endpoint(.post, "/runs/{run_id}/end", OpenAPIOperation(
        "EndRun", "End a Running Run in a terminal state.", pathParameters: ["run_id"],
        requestSchema: Schema.endRunBody,
        responses: [(204, "Ended.", nil)]
    )) { request, context, services in
        let (body, caller) = try await RequestInput.command(request, context)
        _ = try await services.handlers.endRun.handle(runID: RequestInput.parameter(context, "run_id"), body: body, caller: caller)
        return Responses.noContent()
    }

    static let getRun = Endpoint(.get, "/runs/{run_id}", OpenAPIOperation(
        "GetRun", "A Run.", pathParameters: ["run_id"],
        responses: [(200, "The Run.", Schema.run)]
    )) { request, context, services in
        let run = try await services.handlers.getRun.handle(runID: RequestInput.parameter(context, "run_id"), caller: RequestInput.caller(request, context))
        return Responses.json(run.representation)
    }
}

extension CreatedEntity {
    func response(location collection: String) -> Response {
        var headers: HTTPFields = [.location: "\(collection)/\(id.lowercased)"]
        if replayed { headers[.idempotentReplayed] = "true" }
        return Responses.json(body, status: .created, headers: headers)
    }
}
