import CoraData
import CoraKernel
import Foundation

// The Run and Subject slices the Data module reads from (§7).

extension Slices {
    /// `POST /subjects`, MCP `register_subject`.
    public static let registerSubject = Slice<WireRequest, RegisterSubject, Created>(
        .registerSubject, key: .optional, refusals: ["InvalidSubjectName", "ConcurrencyConflict"]
    ) { request in
        try request.parameters.reader.finish()
        var body = try request.bodyObject()
        let name = try body.requiredString("name")
        try body.rejectUnknownMembers()
        return { try RegisterSubject(name: name) }
    } handle: { dependencies, command, key, caller in
        try await RegisterSubjectHandler(dependencies).handle(command, key: key, caller: caller)
    }

    /// `GET /subjects/{subject_id}`, MCP `get_subject`.
    public static let getSubject = lookup(.getSubject, by: "subject_id", refusals: ["SubjectNotFound"], GetSubject.init(subjectID:)) {
        try await GetSubjectHandler($0).handle($1)
    }

    /// `POST /runs`, MCP `start_run`.
    public static let startRun = Slice<WireRequest, StartRun, Created>(
        .startRun, key: .optional, refusals: ["InvalidRunName", "SubjectNotFound", "ConcurrencyConflict"]
    ) { request in
        try request.parameters.reader.finish()
        var body = try request.bodyObject()
        let name = try body.requiredString("name")
        let subjectID = try body.optionalUUID("subject_id")
        try body.rejectUnknownMembers()
        return { try StartRun(name: name, subjectID: subjectID) }
    } handle: { dependencies, command, key, caller in
        try await StartRunHandler(dependencies).handle(command, key: key, caller: caller)
    }

    /// `POST /runs/{run_id}/end`, MCP `end_run`.
    public static let endRun = Slice<WireRequest, EndRun, Run>(
        .endRun, refusals: ["InvalidRunEndState", "RunNotFound", "RunAlreadyEnded", "ConcurrencyConflict"]
    ) { request in
        let runID = try request.pathUUID("run_id")
        try request.parameters.reader.finish()
        var body = try request.bodyObject()
        let endState = try body.requiredString("end_state")
        let reason = try body.optionalString("reason")
        try body.rejectUnknownMembers()
        return { try EndRun(runID: runID, endState: endState, reason: reason) }
    } handle: { dependencies, command, _, caller in
        try await EndRunHandler(dependencies).handle(command, caller: caller)
    }

    /// `GET /runs/{run_id}`, MCP `get_run`.
    public static let getRun = lookup(.getRun, by: "run_id", refusals: ["RunNotFound"], GetRun.init(runID:)) {
        try await GetRunHandler($0).handle($1)
    }
}
