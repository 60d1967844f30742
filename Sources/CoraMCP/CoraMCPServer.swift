import CoraData
import CoraKernel
import CoraWire
import Foundation
import Logging
import MCP

/// The MCP server: the tool table served through the official SDK, run by the same runner as REST, so
/// the same order of checks, codes and events.
public enum CoraMCPServer {
    /// The tools served, by name.
    public static var toolNames: [String] { CoraTools.all.map(\.name) }

    /// `identify` names the caller of each tool call (a fixed principal on stdio, the HTTP request's
    /// identity and correlation id over HTTP); it throws `Unauthenticated` when there is none.
    public static func make(runner: SliceRunner, logger: Logger, exports: ExportSettings = ExportSettings(),
                            requestBase: @escaping @Sendable () -> String? = { nil }, identify: @escaping Identify) async -> Server {
        let server = Server(name: "cora", version: "1.0.0", title: "CORA Data service",
                            instructions: "The system of record for a facility's data products: register Datasets, promote, retract, discard, query.",
                            capabilities: .init(tools: .init(listChanged: false)))
        await server.withMethodHandler(ListTools.self) { _ in
            ListTools.Result(tools: CoraTools.all.map(\.definition))
        }
        await server.withMethodHandler(CallTool.self) { parameters in
            await call(parameters.name, arguments: parameters.arguments, environment: ToolEnvironment(runner: runner, exports: exports, requestBase: requestBase()),
                       logger: logger, identify: identify)
        }
        return server
    }

    /// Runs one tool; a refusal is a tool result (`isError`) carrying the problem, never a protocol error.
    static func call(_ name: String, arguments: [String: MCP.Value]?, environment: ToolEnvironment, logger: Logger, identify: @escaping Identify) async -> CallTool.Result {
        // The caller is established once per call, so the correlation id an unexpected error is logged with
        // is the one the call's events carry.
        let caller = Result { try identify() }
        do {
            guard let tool = CoraTools.byName[name] else { throw RequestError.routeNotFound("tool \(name)") }
            let result = try await tool.run((arguments ?? [:]).mapValues(JSONValue.init), environment) { try caller.get() }
            return answer(text: CanonicalJSON.string(result), structured: result, isError: false)
        } catch let reportable as any ProblemReportable {
            if reportable.problem.status >= 500 { log(reportable, tool: name, caller: caller, logger: logger) }
            return refusal(reportable.problem)
        } catch {
            log(error, tool: name, caller: caller, logger: logger)
            return refusal(Problem(status: 500, code: "InternalError", detail: "An internal error occurred; it was logged with the correlation id."))
        }
    }

    private static func log(_ error: any Error, tool: String, caller: Result<CallContext, any Error>, logger: Logger) {
        let correlation = (try? caller.get().correlationID.lowercased) ?? "-"
        logger.error("tool call failed", metadata: ["tool": "\(tool)", "correlation_id": "\(correlation)", "error": "\(String(reflecting: error))"])
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
