import ArgumentParser
import CoraData
import CoraKernel
import CoraWire
import Foundation
import Synchronization

struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Register datasets from NDJSON (one POST /datasets body per line), a batch per transaction.",
        discussion: """
            Every line goes through the same validation and decider as POST /datasets; a batch is registered \
            whole or not at all. On a refused line the import stops and names it; batches already committed stay.
            """)

    @OptionGroup var store: StoreSettings

    @Option(name: .long, help: "The principal (UUID) recorded as the actor of every registration")
    var principal: String

    @Option(name: .long, help: "Lines per transaction")
    var batchSize = 1000

    @Option(name: .long, help: "Batches in flight at once (PostgreSQL gains from 2-4; SQLite has one writer)")
    var jobs = 2

    @Argument(help: "NDJSON file, or - for standard input")
    var input = "-"

    func validate() throws {
        guard UUID(strict: principal) != nil else { throw ValidationError("--principal must be a UUID") }
        guard batchSize > 0, jobs > 0 else { throw ValidationError("--batch-size and --jobs must be positive") }
    }

    func run() async throws {
        let configuration = try Configuration.resolve(store)
        let logger = bootstrapLogging(configuration.logLevel)
        guard let principalID = UUID(strict: principal) else { throw ValidationError("--principal must be a UUID") }
        guard let handle = input == "-" ? FileHandle.standardInput : FileHandle(forReadingAtPath: input) else {
            throw ConfigurationError(description: "cannot read \(input)")
        }
        let runtime = try Runtime(configuration, logger: logger)
        let progress = ImportProgress()
        let (batchSize, jobs) = (self.batchSize, self.jobs)
        do {
            try await runtime.withStore { store in
                let runner = runtime.runner(store)
                let identify: Identify = { CallContext(principal: PrincipalID(principalID), correlationID: UUID()) }
                try await withThrowingTaskGroup(of: Int.self) { group in
                    var inFlight = 0
                    for try await batch in NDJSONBatches(handle: handle, size: batchSize) {
                        if inFlight == jobs {
                            progress.committed(try await group.next() ?? 0)
                            inFlight -= 1
                        }
                        group.addTask { try await runner.run(Slices.importDatasets, batch, identify: identify).count }
                        inFlight += 1
                    }
                    for try await count in group { progress.committed(count) }
                }
            }
        } catch let refused as ImportLineError {
            throw ConfigurationError(description: "line \(refused.line): \(refused.problem.code): \(refused.problem.detail) "
                + "(\(progress.total) datasets from earlier batches were committed)")
        } catch let refused as any ProblemReportable {
            throw ConfigurationError(description: "\(refused.problem.code): \(refused.problem.detail) (\(progress.total) datasets were committed)")
        }
        printLine(progress.summary())
    }
}

/// Counts committed registrations and prints a progress line at most every two seconds.
private final class ImportProgress: Sendable {
    private let pacing = ProgressPacing()
    private let registered = Mutex(0)

    var total: Int { registered.withLock { $0 } }

    func committed(_ count: Int) {
        let total = registered.withLock { total in
            total += count
            return total
        }
        if pacing.due() { printLine("… \(total) datasets registered, \(pacing.rate(total))/s") }
    }

    func summary() -> String {
        let total = self.total
        return "registered \(total) datasets in \(pacing.elapsed) (\(pacing.rate(total))/s)"
    }
}

/// Non-empty lines of an NDJSON stream with their 1-based line numbers, `size` at a time.
private struct NDJSONBatches: AsyncSequence {
    typealias Element = [ImportLine]
    let handle: FileHandle
    let size: Int

    struct AsyncIterator: AsyncIteratorProtocol {
        let handle: FileHandle
        let size: Int
        var buffer: [UInt8] = []
        var start = 0
        var lineNumber = 0
        var exhausted = false

        mutating func next() async throws -> Element? {
            var batch: Element = []
            while batch.count < size {
                if let newline = buffer[start...].firstIndex(of: 0x0A) {
                    lineNumber += 1
                    let line = buffer[start..<newline]
                    start = newline + 1
                    if line.contains(where: { $0 != 0x20 && $0 != 0x0D && $0 != 0x09 }) { batch.append(ImportLine(number: lineNumber, bytes: Array(line))) }
                    continue
                }
                if exhausted {
                    if start < buffer.count {
                        lineNumber += 1
                        batch.append(ImportLine(number: lineNumber, bytes: Array(buffer[start...])))
                        start = buffer.count
                    }
                    break
                }
                buffer.removeFirst(start)
                start = 0
                let chunk = try handle.read(upToCount: 1 << 20) ?? Data()
                if chunk.isEmpty { exhausted = true } else { buffer += chunk }
            }
            return batch.isEmpty ? nil : batch
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(handle: handle, size: size) }
}
