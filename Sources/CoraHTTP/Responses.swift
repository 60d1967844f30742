import CoraKernel
import CoraWire
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

enum Responses {
    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: CanonicalJSON.bytes(value))))
    }

    static func problem(_ problem: Problem) -> Response {
        var fields: HTTPFields = [.contentType: "application/problem+json"]
        if let seconds = problem.retryAfterSeconds { fields[.retryAfter] = String(seconds) }
        return Response(status: .init(code: problem.status), headers: fields,
                        body: .init(byteBuffer: ByteBuffer(bytes: CanonicalJSON.bytes(problem.json))))
    }

    static func noContent() -> Response { Response(status: .noContent) }

    /// An export: its own media type, and an ETag over the body, so it changes exactly when the document does.
    static func export(_ document: ExportedDocument, services: Services, request: Request, headers: HTTPFields = [:]) -> Response {
        let body = CanonicalJSON.bytes(document.render(services.exports, requestBase: ContentNegotiation.requestBase(request)))
        var fields = headers
        fields[.contentType] = document.format.mediaType
        fields[.eTag] = ExportedDocument.entityTag(body)
        return Response(status: .ok, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// A create slice's 201: the new id, its Location, and whether this is a replay of an earlier request.
    static func created(_ body: JSONValue, location: String, replayed: Bool) -> Response {
        var headers: HTTPFields = [.location: location]
        if replayed { headers[.idempotentReplayed] = "true" }
        return json(body, status: .created, headers: headers)
    }

    static let internalError = Problem(status: 500, code: "InternalError", detail: "An internal error occurred; it was logged with the correlation id.")
}
