import Foundation
import Mustache

/// The catalog's templates (one per page, plus the shared head and foot), its stylesheet and icon, read once
/// from the module's resources.
public struct CatalogPages: Sendable {
    let library: MustacheLibrary
    public let stylesheet: [UInt8]
    public let icon: [UInt8]

    public struct Unavailable: Error, CustomStringConvertible {
        public let description: String
    }

    public static func load() async throws -> CatalogPages {
        func file(_ name: String, _ type: String) -> [UInt8]? {
            Bundle.module.url(forResource: name, withExtension: type, subdirectory: "Static").flatMap { FileManager.default.contents(atPath: $0.path) }.map(Array.init)
        }
        guard let templates = Bundle.module.url(forResource: "Templates", withExtension: nil), let stylesheet = file("catalog", "css"), let icon = file("favicon", "svg")
        else { throw Unavailable(description: "the catalog's templates, stylesheet or icon are missing from the build's resources") }
        return CatalogPages(library: try await MustacheLibrary(directory: templates.path), stylesheet: stylesheet, icon: icon)
    }

    public func datasets(_ view: DatasetListView) -> String { render(view, "datasets") }
    public func dataset(_ view: DatasetView) -> String { render(view, "dataset") }
    public func run(_ view: RunView) -> String { render(view, "run") }
    public func impact(_ view: ImpactView) -> String { render(view, "impact") }
    public func problem(_ view: ProblemView) -> String { render(view, "problem") }

    private func render(_ view: Any, _ template: String) -> String {
        // Every template is in the bundle (load() read them all), so a missing one is a build defect.
        library.render(Self.members(view), withTemplate: template) ?? "<!doctype html><title>CORA</title><p>The \(template) page is missing from this build.</p>"
    }

    /// The view as dictionaries and arrays, reflected once: the renderer reflects an object anew for every
    /// name it looks up (and walks up the context stack doing so), which for a page of 200 rows cost more
    /// than everything else on it. Absent optionals are left out, so a section on them renders nothing.
    static func members(_ value: Any) -> Any {
        let mirror = Mirror(reflecting: value)
        switch mirror.displayStyle {
        case .struct?, .class?:
            var members: [String: Any] = [:]
            for child in mirror.children {
                guard let label = child.label, let converted = present(child.value) else { continue }
                members[label] = converted
            }
            return members
        case .collection?:
            return mirror.children.compactMap { present($0.value) }
        case .optional?:
            return mirror.children.first.map { members($0.value) } ?? NSNull()
        default:
            return value
        }
    }

    private static func present(_ value: Any) -> Any? {
        let mirror = Mirror(reflecting: value)
        if mirror.displayStyle == .optional {
            guard let wrapped = mirror.children.first?.value else { return nil }
            return members(wrapped)
        }
        return members(value)
    }
}
