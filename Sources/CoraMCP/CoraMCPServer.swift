import CoraData
import CoraKernel
import Foundation
import MCP

/// The MCP server: the tool table served through the official SDK. The same handlers as REST, so the
/// same validation, codes and events.
public enum CoraMCPServer {
    /// `identify` names the caller of each tool call (a fixed principal on stdio, the request's
    /// `X-Principal-Id` over HTTP); it throws `Unauthenticated` when there is none.
    public static func make(handlers: SliceHandlers, identify: @escaping @Sendable () throws -> CallContext) async -> Server {
        let server = Server(name: "cora", version: "1.0.0", title: "CORA Data service",
                            instructions: "The system of record for a facility's data products: register Datasets, promote, retract, discard, query.",
                            capabilities: .init(tools: .init(listChanged: false)))
        await server.withMethodHandler(ListTools.self) { _ in
            ListTools.Result(tools: CoraTools.all.map(\.definition))
        }
        await server.withMethodHandler(CallTool.self) { parameters in
            await call(parameters.name, arguments: parameters.arguments, handlers: handlers, identify: identify)
        }
        return server
    }

    /// Runs one tool; a refusal is a tool result (`isError`) carrying the problem, never a protocol error.
    static func call(_ name: String, arguments: [String: MCP.Value]?, handlers: SliceHandlers, identify: @Sendable () throws -> CallContext) async -> CallTool.Result {
        do {
            let caller = try identify()
            guard let tool = CoraTools.byName[name] else { throw RequestError.routeNotFound("tool \(name)") }
            let result = try await tool.run(ToolArguments(members: (arguments ?? [:]).mapValues(JSONValue.init)), caller, handlers)
            return answer(text: CanonicalJSON.string(result), structured: result, isError: false)
        } catch let reportable as any ProblemReportable {
            return refusal(reportable.problem)
        } catch {
            return refusal(Problem(status: 500, code: "InternalError", detail: "An internal error occurred."))
        }
    }

    static func refusal(_ problem: Problem) -> CallTool.Result {
        answer(text: "\(problem.code): \(problem.detail)", structured: problem.json, isError: true)
    }

    /// The same JSON as structured content and (for clients that read only text) as a text block.
    static func answer(text: String, structured: JSONValue, isError: Bool) -> CallTool.Result {
        let content: MCP.Value? = structured.mcpValue
        return CallTool.Result(content: [.text(text: text, annotations: nil, _meta: nil)], structuredContent: content, isError: isError)
    }
}
