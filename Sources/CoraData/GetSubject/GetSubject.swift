import CoraKernel
import Foundation

public struct GetSubject: Sendable, Equatable {
    public let subjectID: UUID
    public init(subjectID: UUID) { self.subjectID = subjectID }
}

public struct GetSubjectHandler: Sendable {
    let dependencies: ServiceDependencies
    public init(_ dependencies: ServiceDependencies) { self.dependencies = dependencies }

    public func handle(_ query: GetSubject) async throws -> Subject {
        guard let subject = try SubjectEvolve.fold(try await dependencies.store.readStream(StreamID(.subject, query.subjectID))) else {
            throw SubjectError.notFound(query.subjectID)
        }
        return subject
    }
}
