import CoraKernel
import Prometheus

/// The Prometheus metrics of CONTRACT §10, on one registry per application (tests get their own).
public final class ServiceMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    private static let buckets: [Duration] = [.milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
                                              .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5)]

    private static var requests: MetricNameDescriptor { MetricNameDescriptor(metricName: "http_requests", unitName: "total", helpText: "HTTP requests by method, route pattern and status") }
    private static var appended: MetricNameDescriptor { MetricNameDescriptor(namespace: "cora", metricName: "events_appended", unitName: "total", helpText: "Events appended by type") }

    public init() {}

    func recordRequest(method: String, route: String, status: Int, duration: Duration) {
        registry.makeCounter(descriptor: Self.requests, labels: [("method", method), ("route", route), ("status", String(status))]).increment()
        registry.makeDurationHistogram(
            descriptor: MetricNameDescriptor(metricName: "http_request_duration", unitName: "seconds", helpText: "HTTP request duration"),
            labels: [("method", method), ("route", route)], buckets: Self.buckets
        ).record(duration)
    }

    public func recordAppended(_ events: [RecordedEvent]) {
        for event in events {
            registry.makeCounter(descriptor: Self.appended, labels: [("event_type", event.eventType)]).increment()
        }
    }

    func exposition() -> [UInt8] { registry.emitToBuffer() }
}
